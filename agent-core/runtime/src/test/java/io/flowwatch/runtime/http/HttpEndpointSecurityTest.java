package io.flowwatch.runtime.http;

import io.flowwatch.runtime.config.HttpConfig;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Basic auth and TLS on the real JDK server, checked with the JDK's HTTP client. */
class HttpEndpointSecurityTest {

    @TempDir
    Path dir;

    HttpEndpoint endpoint;
    final CollectorRegistry registry = new CollectorRegistry();

    HttpEndpointSecurityTest() {
        Counter.build("flowwatch_test_total", "A test counter.").register(registry).inc(3);
    }

    static final HttpEndpoint.Status STATUS = new HttpEndpoint.Status() {
        @Override
        public boolean healthy() {
            return true;
        }

        @Override
        public String healthJson() {
            return "{\"status\":\"ok\"}\n";
        }

        @Override
        public String statusHtml() {
            return "<!DOCTYPE html><title>flowwatch</title>the page\n";
        }
    };

    @AfterEach
    void stop() {
        if (endpoint != null) {
            endpoint.close();
        }
    }

    static HttpResponse<String> get(HttpClient client, String url, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void basicAuthGuardsEveryPath() throws Exception {
        endpoint = HttpEndpoint.start(new HttpConfig(true, "127.0.0.1", 0, new HttpConfig.BasicAuth("oncall", "s3cret-pw"), null),
                registry, () -> STATUS);
        HttpClient client = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + endpoint.port();
        for (String path : new String[]{"/", "/metrics", "/health"}) {
            HttpResponse<String> none = get(client, base + path, null);
            assertThat(none.statusCode()).as(path + " without credentials").isEqualTo(401);
            assertThat(none.headers().firstValue("WWW-Authenticate")).get().asString().startsWith("Basic realm=\"flowwatch\"");
            assertThat(none.body()).doesNotContain("the page").doesNotContain("flowwatch_test_total");
            assertThat(get(client, base + path, basic("oncall", "wrong-pw")).statusCode()).as(path + " wrong password").isEqualTo(401);
            assertThat(get(client, base + path, basic("intruder", "s3cret-pw")).statusCode()).as(path + " wrong user").isEqualTo(401);
        }
        HttpResponse<String> page = get(client, base + "/", basic("oncall", "s3cret-pw"));
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("the page");
        HttpResponse<String> metrics = get(client, base + "/metrics", basic("oncall", "s3cret-pw"));
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("flowwatch_test_total 3.0");
    }

    @Test
    void servesHttpsWithTheConfiguredKeystoreAndAuth() throws Exception {
        Path ks = TestKeystore.create(dir.resolve("server.p12"), "ks-password");
        endpoint = HttpEndpoint.start(new HttpConfig(true, "127.0.0.1", 0, new HttpConfig.BasicAuth("oncall", "s3cret-pw"),
                new HttpConfig.Tls(ks, "ks-password")), registry, () -> STATUS);
        String base = "https://127.0.0.1:" + endpoint.port();
        HttpClient trusting = HttpClient.newBuilder().sslContext(TestKeystore.trusting(ks, "ks-password")).build();

        HttpResponse<String> page = get(trusting, base + "/", basic("oncall", "s3cret-pw"));
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("the page");
        assertThat(page.sslSession()).get().satisfies(s -> assertThat(s.getPeerCertificates()[0].toString()).contains("CN=flowwatch-test"));
        assertThat(get(trusting, base + "/health", null).statusCode()).isEqualTo(401);

        // The certificate is the keystore's, not one the JDK trusts by default.
        assertThatThrownBy(() -> get(HttpClient.newHttpClient(), base + "/health", null)).isInstanceOf(SSLHandshakeException.class);
        // And the port speaks only TLS.
        assertThatThrownBy(() -> get(HttpClient.newHttpClient(), "http://127.0.0.1:" + endpoint.port() + "/health", null))
                .isInstanceOf(IOException.class);
    }

    @Test
    void aKeystoreThatDoesNotOpenIsAClearStartError() throws Exception {
        Path ks = TestKeystore.create(dir.resolve("server.p12"), "ks-password");
        assertThatThrownBy(() -> HttpEndpoint.start(new HttpConfig(true, "127.0.0.1", 0, null, new HttpConfig.Tls(ks, "not-it")),
                registry, () -> STATUS))
                .hasMessageContaining("flowwatch.http.tls.keystore").hasMessageContaining(ks.toString())
                .hasMessageNotContaining("not-it");
    }

    @Test
    void warnsWhenReachableBeyondThisHostWithoutProtection() throws Exception {
        Path ks = TestKeystore.create(dir.resolve("server.p12"), "ks-password");
        HttpConfig.BasicAuth auth = new HttpConfig.BasicAuth("oncall", "s3cret-pw");
        HttpConfig.Tls tls = new HttpConfig.Tls(ks, "ks-password");
        assertThat(HttpEndpoint.exposureWarning(new HttpConfig(true, "127.0.0.1", 9464))).isNull();
        assertThat(HttpEndpoint.exposureWarning(new HttpConfig(true, "localhost", 9464))).isNull();
        assertThat(HttpEndpoint.exposureWarning(new HttpConfig(true, "::1", 9464))).isNull();
        assertThat(HttpEndpoint.exposureWarning(new HttpConfig(true, "0.0.0.0", 9464)))
                .contains("0.0.0.0 is not a loopback address and there is no authentication");
        assertThat(HttpEndpoint.exposureWarning(new HttpConfig(true, "10.1.2.3", 9464, auth, null)))
                .contains("TLS is off");
        assertThat(HttpEndpoint.exposureWarning(new HttpConfig(true, "0.0.0.0", 9464, auth, tls))).isNull();
    }

    @Test
    void passwordsNeverShowInTheConfigsToString() {
        HttpConfig c = new HttpConfig(true, "0.0.0.0", 1, new HttpConfig.BasicAuth("oncall", "s3cret-pw"),
                new HttpConfig.Tls(Path.of("k.p12"), "ks-password"));
        assertThat(c.toString()).contains("oncall").contains("k.p12").doesNotContain("s3cret-pw").doesNotContain("ks-password");
    }
}
