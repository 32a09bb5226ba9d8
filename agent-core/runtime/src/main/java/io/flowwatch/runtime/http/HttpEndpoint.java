package io.flowwatch.runtime.http;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.BasicAuthenticator;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.flowwatch.api.FlowwatchException;
import io.flowwatch.runtime.config.HttpConfig;
import io.flowwatch.runtime.config.TlsKeystore;
import io.flowwatch.runtime.logging.SecretMasker;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.common.TextFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The agent's HTTP endpoint: {@code /metrics} (Prometheus text format from the injected
 * registry), {@code /health} (JSON per source; 503 when a source has been failing longer than
 * {@code http.health.down-after}, else 200)
 * and {@code /} (a plain status page). Optionally HTTPS (a PKCS12 keystore) and basic auth on
 * every path; a non-loopback bind without auth is logged as a warning at start.
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
        SSLContext ssl = config.tls() == null ? null : sslContext(config.tls());
        HttpServer server;
        try {
            InetSocketAddress address = new InetSocketAddress(config.bind(), config.port());
            if (ssl != null) {
                HttpsServer https = HttpsServer.create(address, 64);
                https.setHttpsConfigurator(new HttpsConfigurator(ssl));
                server = https;
            } else {
                server = HttpServer.create(address, 64);
            }
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
        List<HttpContext> contexts = new ArrayList<>();
        contexts.add(server.createContext("/metrics", ex -> handle(ex, () -> {
            String accept = ex.getRequestHeaders().getFirst("Accept");
            String contentType = TextFormat.chooseContentType(accept);
            java.io.StringWriter w = new java.io.StringWriter(16384);
            TextFormat.writeFormat(contentType, w, registry.metricFamilySamples());
            send(ex, 200, contentType, w.toString());
        })));
        contexts.add(server.createContext("/health", ex -> handle(ex, () -> {
            Status s = status.get();
            send(ex, s.healthy() ? 200 : 503, "application/json", s.healthJson());
        })));
        contexts.add(server.createContext("/", ex -> handle(ex, () -> {
            if (!ex.getRequestURI().getPath().equals("/")) {
                send(ex, 404, "text/plain; charset=utf-8", "not found\n");
                return;
            }
            send(ex, 200, "text/html; charset=utf-8", status.get().statusHtml());
        })));
        if (config.basicAuth() != null) {
            Authenticator auth = new SingleUserAuthenticator(config.basicAuth());
            contexts.forEach(c -> c.setAuthenticator(auth));
        }
        server.start();
        log.info("http: listening on {}://{}:{}/ (/metrics, /health){}", ssl == null ? "http" : "https", config.bind(),
                server.getAddress().getPort(), config.basicAuth() == null ? "" : " with basic auth");
        String warning = exposureWarning(config);
        if (warning != null) {
            log.warn(warning);
        }
        return new HttpEndpoint(server, executor);
    }

    private static SSLContext sslContext(HttpConfig.Tls tls) {
        try {
            KeyStore ks = TlsKeystore.load(tls);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, tls.keystorePassword().toCharArray());
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new FlowwatchException("flowwatch.http.tls.keystore: cannot open " + tls.keystore() + " as PKCS12: " + e.getMessage(), e);
        }
    }

    /** What to warn about at start when the endpoint is reachable beyond this host unprotected; null when nothing. */
    static String exposureWarning(HttpConfig config) {
        if (isLoopback(config.bind())) {
            return null;
        }
        if (config.basicAuth() == null) {
            return "http: " + config.bind() + " is not a loopback address and there is no authentication: anyone who can"
                    + " reach it sees the status page and metrics (set flowwatch.http.basic-auth and flowwatch.http.tls)";
        }
        if (config.tls() == null) {
            return "http: " + config.bind() + " is not a loopback address and TLS is off: the basic-auth password crosses"
                    + " the network in clear text (set flowwatch.http.tls)";
        }
        return null;
    }

    /** True for loopback names and addresses; a name that does not resolve counts as not loopback (warn rather than not). */
    static boolean isLoopback(String bind) {
        try {
            return InetAddress.getByName(bind).isLoopbackAddress();
        } catch (IOException e) {
            return false;
        }
    }

    /** Basic auth for one configured user; compares in constant time so timing does not leak the password. */
    private static final class SingleUserAuthenticator extends BasicAuthenticator {
        private final byte[] user;
        private final byte[] password;

        SingleUserAuthenticator(HttpConfig.BasicAuth auth) {
            super("flowwatch", StandardCharsets.UTF_8);
            this.user = auth.username().getBytes(StandardCharsets.UTF_8);
            this.password = auth.password().getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public boolean checkCredentials(String username, String pw) {
            // Both compared always: no early exit that tells a right user name from a wrong one.
            boolean u = MessageDigest.isEqual(user, username.getBytes(StandardCharsets.UTF_8));
            boolean p = MessageDigest.isEqual(password, pw.getBytes(StandardCharsets.UTF_8));
            return u & p;
        }
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
