package io.flowwatch.runtime.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.flowwatch.api.FlowwatchException;
import io.flowwatch.runtime.config.HttpConfig;
import io.flowwatch.runtime.logging.SecretMasker;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.common.TextFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The agent's HTTP endpoint: {@code /metrics} (Prometheus text format from the injected
 * registry), {@code /health} (200 when every source is healthy, else 503, JSON body either way)
 * and {@code /} (a plain status page).
 */
public final class HttpEndpoint implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HttpEndpoint.class);

    /** What /health and / report; supplied by the agent. */
    public interface Status {
        boolean healthy();

        String healthJson();

        String statusHtml();
    }

    private final HttpServer server;
    private final ExecutorService executor;

    private HttpEndpoint(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /** Binds and starts; a busy port or bad address is a clear {@link FlowwatchException}. */
    public static HttpEndpoint start(HttpConfig config, CollectorRegistry registry, Supplier<Status> status) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(config.bind(), config.port()), 64);
        } catch (BindException e) {
            throw new FlowwatchException("flowwatch.http: cannot listen on " + config.bind() + ":" + config.port() + ": "
                    + e.getMessage() + " (is another flowwatch running? set flowwatch.http.port or flowwatch.http.bind)");
        } catch (IOException | RuntimeException e) {
            throw new FlowwatchException("flowwatch.http: cannot listen on " + config.bind() + ":" + config.port() + ": " + e);
        }
        AtomicInteger n = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/metrics", ex -> handle(ex, () -> {
            String accept = ex.getRequestHeaders().getFirst("Accept");
            String contentType = TextFormat.chooseContentType(accept);
            java.io.StringWriter w = new java.io.StringWriter(16384);
            TextFormat.writeFormat(contentType, w, registry.metricFamilySamples());
            send(ex, 200, contentType, w.toString());
        }));
        server.createContext("/health", ex -> handle(ex, () -> {
            Status s = status.get();
            send(ex, s.healthy() ? 200 : 503, "application/json", s.healthJson());
        }));
        server.createContext("/", ex -> handle(ex, () -> {
            if (!ex.getRequestURI().getPath().equals("/")) {
                send(ex, 404, "text/plain; charset=utf-8", "not found\n");
                return;
            }
            send(ex, 200, "text/html; charset=utf-8", status.get().statusHtml());
        }));
        server.start();
        log.info("http: listening on http://{}:{}/ (/metrics, /health)", config.bind(), server.getAddress().getPort());
        return new HttpEndpoint(server, executor);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private interface Handler {
        void handle() throws IOException;
    }

    private static void handle(HttpExchange ex, Handler h) {
        try (ex) {
            if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
                ex.getResponseHeaders().set("Allow", "GET, HEAD");
                send(ex, 405, "text/plain; charset=utf-8", "method not allowed\n");
                return;
            }
            h.handle();
        } catch (IOException | RuntimeException e) {
            log.debug("http: {} {} failed: {}", ex.getRequestMethod(), ex.getRequestURI(), e.toString());
        }
    }

    private static void send(HttpExchange ex, int code, String contentType, String body) throws IOException {
        byte[] bytes = SecretMasker.mask(body).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = "HEAD".equals(ex.getRequestMethod());
        ex.sendResponseHeaders(code, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

}
