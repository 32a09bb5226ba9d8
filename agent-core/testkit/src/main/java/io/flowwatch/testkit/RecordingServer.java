package io.flowwatch.testkit;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP server on 127.0.0.1 that records every request and answers from a queue (default
 * 200 "ok"): the receiving end of the HTTP notifiers' tests (webhook, Slack).
 */
public final class RecordingServer implements AutoCloseable {

    /** One request as it arrived on the socket. */
    public record Request(String method, String path, String query, Headers headers, byte[] body) {
        public String header(String name) {
            return headers.getFirst(name);
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** An answer; {@code hang} makes the server not answer until the test ends. */
    public record Answer(int status, Map<String, String> headers, String body, boolean hang) {
        public static Answer of(int status, String body) {
            return new Answer(status, Map.of(), body, false);
        }
    }

    private final HttpServer server;
    private final List<Request> requests = new ArrayList<>();
    private final BlockingQueue<Answer> answers = new LinkedBlockingQueue<>();
    private final CountDownLatch release = new CountDownLatch(1);

    public RecordingServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", exchange -> {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            synchronized (requests) {
                requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                        exchange.getRequestURI().getRawQuery(), exchange.getRequestHeaders(), body));
            }
            Answer a = answers.poll();
            if (a == null) {
                a = Answer.of(200, "ok");
            }
            if (a.hang()) {
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            a.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            byte[] out = a.body().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(a.status(), out.length == 0 ? -1 : out.length);
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(out);
            }
        });
        server.start();
    }

    public RecordingServer answer(Answer a) {
        answers.add(a);
        return this;
    }

    public RecordingServer answer(int status, String body) {
        return answer(Answer.of(status, body));
    }

    public String url(String pathAndQuery) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + pathAndQuery;
    }

    public List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    public Request only() {
        List<Request> r = requests();
        if (r.size() != 1) {
            throw new AssertionError("expected exactly one request, got " + r.size());
        }
        return r.get(0);
    }

    /** A port nothing listens on: bound once, then released. */
    public static int refusedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
