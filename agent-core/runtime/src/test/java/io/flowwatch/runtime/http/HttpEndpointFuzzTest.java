package io.flowwatch.runtime.http;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.flowwatch.runtime.config.HttpConfig;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Coverage-guided fuzzing of the agent's HTTP endpoint over a real socket: one server on
 * 127.0.0.1:0 (started as {@code Agent} starts it) receives fuzzed raw requests — method, path,
 * headers and body from the input, or the input's bytes verbatim. Every request must be answered
 * with a well-formed status line or a closed connection within the timeout, and a plain
 * {@code GET /health} must still get 200 afterwards.
 */
class HttpEndpointFuzzTest {

    private static final int TIMEOUT_MILLIS = 5_000;
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.[01] [1-5][0-9][0-9]( [^\\r\\n]*)?");
    private static final String[] METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "TRACE", "CONNECT", "PATCH"};
    private static final String[] PATHS = {"/", "/health", "/metrics", "/metrics?name[]=flowwatch_fuzz_total", "/nope"};
    private static final String[] HEADERS = {"Host", "Accept", "Content-Length", "Transfer-Encoding", "Connection",
            "Authorization", "Expect", "Content-Type"};

    private static HttpEndpoint endpoint;

    @BeforeAll
    static void start() {
        CollectorRegistry registry = new CollectorRegistry();
        Counter.build("flowwatch_fuzz_total", "Requests sent by the fuzz test.").labelNames("kind").register(registry).labels("a").inc();
        endpoint = HttpEndpoint.start(new HttpConfig(true, "127.0.0.1", 0), registry, () -> new HttpEndpoint.Status() {
            @Override
            public boolean healthy() {
                return true;
            }

            @Override
            public String healthJson() {
                return "{\"status\":\"ok\"}";
            }

            @Override
            public String statusHtml() {
                return "<html><body>flowwatch</body></html>";
            }
        });
    }

    @AfterAll
    static void stop() {
        endpoint.close();
    }

    @FuzzTest(maxDuration = "10s")
    void answersEveryRequestAndKeepsServing(FuzzedDataProvider in) throws IOException {
        // Jazzer's SSRF detector flags every connection; this test's only peer is its own server.
        try (SilentCloseable allowed = BugDetectors.allowNetworkConnections((host, port) -> port == endpoint.port())) {
            check(in);
        }
    }

    private static void check(FuzzedDataProvider in) throws IOException {
        byte[] request = in.consumeBoolean() ? structured(in) : in.consumeRemainingAsBytes();
        String answer = exchange(request);
        if (!answer.isEmpty()) {
            String statusLine = answer.split("\r\n", 2)[0];
            assertThat(statusLine).as("status line of the answer to %s", printable(request)).matches(STATUS_LINE);
        }
        String health = exchange("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        assertThat(health).as("/health after %s", printable(request)).startsWith("HTTP/1.1 200 ").endsWith("{\"status\":\"ok\"}");
    }

    /** A request assembled from fuzzed parts, so the fuzzer spends its time past the request line. */
    private static byte[] structured(FuzzedDataProvider in) {
        StringBuilder sb = new StringBuilder();
        sb.append(in.consumeBoolean() ? in.pickValue(METHODS) : in.consumeAsciiString(12)).append(' ');
        sb.append(in.consumeBoolean() ? in.pickValue(PATHS) : in.consumeString(64)).append(' ');
        sb.append(in.consumeBoolean() ? "HTTP/1.1" : in.consumeAsciiString(10)).append("\r\n");
        int headers = in.consumeInt(0, 6);
        for (int i = 0; i < headers; i++) {
            sb.append(in.consumeBoolean() ? in.pickValue(HEADERS) : in.consumeAsciiString(20)).append(": ")
                    .append(in.consumeString(40)).append("\r\n");
        }
        sb.append("\r\n");
        byte[] head = sb.toString().getBytes(StandardCharsets.UTF_8);
        byte[] body = in.consumeRemainingAsBytes();
        byte[] out = new byte[head.length + body.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(body, 0, out, head.length, body.length);
        return out;
    }

    /**
     * Sends the bytes, half-closes, and reads until the server closes. The half-close ends any
     * body or header the request left open, so a server still silent after the timeout is hung.
     */
    private static String exchange(byte[] request) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", endpoint.port()), TIMEOUT_MILLIS);
            s.setSoTimeout(TIMEOUT_MILLIS);
            OutputStream out = s.getOutputStream();
            try {
                out.write(request);
                out.flush();
                s.shutdownOutput();
            } catch (IOException e) {
                // The server may answer and close before reading all of a bad request: then read what it sent.
            }
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            InputStream inStream = s.getInputStream();
            long deadline = System.nanoTime() + TIMEOUT_MILLIS * 1_000_000L;
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = inStream.read(buf)) >= 0; ) {
                    answer.write(buf, 0, n);
                    if (System.nanoTime() > deadline) {
                        fail("the server kept sending for %d ms after %s", TIMEOUT_MILLIS, printable(request));
                    }
                }
            } catch (SocketTimeoutException e) {
                fail("no answer and no close within %d ms for %s", TIMEOUT_MILLIS, printable(request));
            } catch (IOException e) {
                // A reset after a (partial) answer is a close.
            }
            return answer.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private static String printable(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(b.length, 300); i++) {
            int c = b[i] & 0xff;
            sb.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return sb.toString();
    }
}
