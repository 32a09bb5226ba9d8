package io.flowwatch.plugin.alertmanager;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.flowwatch.api.notify.Alert;
import io.flowwatch.api.notify.DeliveryResult;
import io.flowwatch.api.notify.Notifier;
import io.flowwatch.api.rule.Severity;
import io.flowwatch.testkit.TestPluginContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The notifier against the real Alertmanager binary (Debian package prometheus-alertmanager),
 * started here with a null receiver and gossip off: alerts go in through the notifier and are
 * read back through Alertmanager's own API.
 */
class RealAlertmanagerTest {

    private static final Path BINARY = Path.of("/usr/bin/prometheus-alertmanager");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static Process process;
    private static Path dir;
    private static URI base;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void startAlertmanager() throws Exception {
        if (!Files.isExecutable(BINARY)) {
            fail(BINARY + " is missing: install the Debian package with `apt-get install -y prometheus-alertmanager`"
                    + " (CI installs it); this test needs the real Alertmanager");
        }
        dir = Files.createTempDirectory("flowwatch-am");
        Path config = dir.resolve("alertmanager.yml");
        Files.writeString(config, """
                route:
                  receiver: "null"
                  group_wait: 1h
                receivers:
                  - name: "null"
                """);
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        base = URI.create("http://127.0.0.1:" + port);
        Files.createDirectories(dir.resolve("data"));
        process = new ProcessBuilder(BINARY.toString(),
                "--config.file=" + config,
                "--storage.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port,
                "--cluster.listen-address=")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("alertmanager.log").toFile())
                .start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            if (!process.isAlive()) {
                fail("Alertmanager exited with " + process.exitValue() + ":\n" + Files.readString(dir.resolve("alertmanager.log")));
            }
            try {
                if (HTTP.send(HttpRequest.newBuilder(base.resolve("/-/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    break;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) {
                fail("Alertmanager not ready after 30s:\n" + Files.readString(dir.resolve("alertmanager.log")));
            }
            Thread.sleep(100);
        }
    }

    @AfterAll
    static void stopAlertmanager() throws Exception {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    @Test
    void firingAlertIsActiveWithLabelsAndAnnotationsAndResolvedAlertIsNoLongerActive() throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Notifier n = notifier("firing-ttl = null");
        Instant startsAt = now.minusSeconds(120);
        Map<String, String> labels = Map.of("srcaddr", "10.0.0.9", "dst-port", "22", "alertname", "spoof");
        Alert firing = new Alert("brute/10.0.0.9/1", "ssh-brute-force", Severity.HIGH, Alert.State.FIRING, labels,
                57, 20, startsAt, null, "57 SSH rejects from 10.0.0.9", "Line 1\nLine \"2\" <b>", List.of());

        DeliveryResult r = n.deliver(firing);
        assertThat(r.outcome()).as(r.detail()).isEqualTo(DeliveryResult.Outcome.DELIVERED);

        JsonNode alert = awaitAlerts("ssh-brute-force", list -> list.size() == 1
                && "active".equals(list.get(0).path("status").path("state").asText())).get(0);
        assertThat(MAPPER.convertValue(alert.get("labels"), Map.class)).isEqualTo(Map.of(
                "alertname", "ssh-brute-force", "severity", "high", "srcaddr", "10.0.0.9", "dst_port", "22",
                "exported_alertname", "spoof"));
        assertThat(MAPPER.convertValue(alert.get("annotations"), Map.class)).isEqualTo(Map.of(
                "summary", "57 SSH rejects from 10.0.0.9", "description", "Line 1\nLine \"2\" <b>",
                "value", "57", "threshold", "20", "flowwatch_id", "brute/10.0.0.9/1"));
        assertThat(Instant.parse(alert.get("startsAt").asText())).isEqualTo(startsAt);
        assertThat(alert.get("generatorURL").asText()).isEqualTo("http://flowwatch.example:9464/");
        // Without endsAt, Alertmanager gives the alert its resolve_timeout (default 5m) from now.
        assertThat(Instant.parse(alert.get("endsAt").asText())).isAfter(now);

        Instant endsAt = now.minusSeconds(5);
        Alert resolved = new Alert(firing.id(), firing.rule(), firing.severity(), Alert.State.RESOLVED, labels,
                3, 20, startsAt, endsAt, firing.summary(), firing.description(), List.of());
        assertThat(n.deliver(resolved).outcome()).isEqualTo(DeliveryResult.Outcome.DELIVERED);
        // The v2 API lists only alerts that have not ended: the resolved alert drops out.
        awaitAlerts("ssh-brute-force", List::isEmpty);
    }

    @Test
    void firingTtlSetsEndsAtFromTheClock() throws Exception {
        Notifier n = notifier("firing-ttl = 4h");
        Instant startsAt = Instant.now().minusSeconds(60).truncatedTo(ChronoUnit.SECONDS);
        Alert firing = new Alert("scan/1", "port-scan", Severity.MEDIUM, Alert.State.FIRING, Map.of("srcaddr", "10.0.0.7"),
                12.5, 10, startsAt, null, "scan", "", List.of());
        assertThat(n.deliver(firing).outcome()).isEqualTo(DeliveryResult.Outcome.DELIVERED);
        JsonNode alert = awaitAlerts("port-scan", list -> list.size() == 1).get(0);
        assertThat(Instant.parse(alert.get("endsAt").asText())).isAfter(Instant.now().plus(Duration.ofHours(3)));
        assertThat(alert.get("annotations").get("value").asText()).isEqualTo("12.5");
    }

    private static Notifier notifier(String extra) {
        var config = ConfigFactory.parseString("url = \"" + base + "\"\nstatus-url = \"http://flowwatch.example:9464\"\n" + extra)
                .withFallback(ConfigFactory.parseResources(AlertmanagerNotifierFactory.class.getClassLoader(), "reference.conf")
                        .getConfig("flowwatch.defaults.notifiers.alertmanager"));
        return new AlertmanagerNotifierFactory().create(config,
                new TestPluginContext("am", Clock.systemUTC(), dir));
    }

    /** Polls GET /api/v2/alerts?filter=alertname="..." until the list satisfies {@code done} (Alertmanager ingests asynchronously). */
    private static List<JsonNode> awaitAlerts(String alertname, Predicate<List<JsonNode>> done) throws Exception {
        URI uri = base.resolve("/api/v2/alerts?filter=" + java.net.URLEncoder.encode("alertname=\"" + alertname + "\"", StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<JsonNode> last;
        while (true) {
            HttpResponse<String> resp = HTTP.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
            last = List.copyOf(MAPPER.readValue(resp.body(), MAPPER.getTypeFactory().constructCollectionType(List.class, JsonNode.class)));
            if (done.test(last)) {
                return last;
            }
            if (System.nanoTime() > deadline) {
                fail("Alertmanager's alerts for " + alertname + " never reached the expected state; last: " + last);
            }
            Thread.sleep(100);
        }
    }
}
