package io.flowwatch.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowwatch.api.FlowwatchException;
import io.flowwatch.runtime.config.AgentConfig;
import io.flowwatch.runtime.config.ConfigLoader;
import io.flowwatch.runtime.plugin.PluginRuntime;
import io.flowwatch.runtime.state.CheckpointStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
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
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The whole path with real plugin zips: directory source → parser → frequency rule → file notifier → checkpoint. */
class AgentOnceTest {

    static PluginRuntime plugins;

    @TempDir
    Path dir;

    @BeforeAll
    static void loadPlugins() throws IOException {
        plugins = PluginRuntime.load(TestPlugins.dir());
    }

    @AfterAll
    static void closePlugins() {
        plugins.close();
    }

    static final long T0 = 1_764_000_000L - (1_764_000_000L % 300); // a 5-minute boundary

    /** An S3-layout gzip object with a header line: 150 rejected SSH attempts from one attacker, normal traffic, one bad line. */
    void writeAttackData() throws IOException {
        Path obj = dir.resolve("flowlogs/AWSLogs/123456789012/vpcflowlogs/eu-west-1/2025/11/24/"
                + "123456789012_vpcflowlogs_eu-west-1_fl-1_20251124T1200Z_abc.log.gz");
        Files.createDirectories(obj.getParent());
        StringBuilder sb = new StringBuilder("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n");
        for (int i = 0; i < 150; i++) {
            sb.append("2 123456789012 eni-0a1 185.220.101.7 10.0.3.7 ").append(40000 + i)
                    .append(" 22 6 1 60 ").append(T0 + i).append(' ').append(T0 + i + 1).append(" REJECT OK\n");
            sb.append("2 123456789012 eni-0a2 10.0.1.5 52.95.128.179 ").append(50000 + i)
                    .append(" 443 6 10 5000 ").append(T0 + i).append(' ').append(T0 + i + 30).append(" ACCEPT OK\n");
        }
        sb.append("this line is garbage\n");
        // Later traffic moves event time past the attack window.
        sb.append("2 123456789012 eni-0a2 10.0.1.5 52.95.128.179 1 443 6 1 40 ").append(T0 + 1300).append(' ').append(T0 + 1360).append(" ACCEPT OK\n");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(obj))) {
            out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        }
    }

    AgentConfig config(int port, boolean http) throws IOException {
        Files.writeString(dir.resolve("rules.conf"), """
                rules = [
                  { name = ssh-brute-force, type = frequency, severity = high
                    description = "Rejected SSH attempts"
                    match { action = REJECT, dstport = 22, protocol = 6 }
                    group-by = [srcaddr], window = 5m, threshold = 100
                    notify = [alerts] }
                ]
                """);
        String conf = """
                flowwatch {
                  state-dir = "%s"
                  plugins-dir = "%s"
                  http { enabled = %s, port = %d }
                  rules = ["rules.conf"]
                  allowed-lateness = 1m
                  sources { local { type = directory, path = "%s" } }
                  notifiers { alerts { type = file, path = "%s" } }
                }
                """.formatted(dir.resolve("state"), TestPlugins.dir().toAbsolutePath(), http, port,
                dir.resolve("flowlogs"), dir.resolve("alerts.jsonl"));
        ConfigLoader.Loaded loaded = new ConfigLoader().loadString(conf, "test.conf", dir.resolve("agent.conf"));
        assertThat(loaded.problems()).isEmpty();
        return loaded.config();
    }

    static double metric(Agent agent, String name, String source) {
        Double v = agent.registry().getSampleValue(name, new String[]{"source"}, new String[]{source});
        return v == null ? 0 : v;
    }

    List<JsonNode> alerts() throws IOException {
        List<JsonNode> out = new ArrayList<>();
        Path f = dir.resolve("alerts.jsonl");
        if (!Files.exists(f)) {
            return out;
        }
        ObjectMapper m = new ObjectMapper();
        for (String line : Files.readAllLines(f)) {
            out.add(m.readTree(line));
        }
        return out;
    }

    @Test
    void onceReadsEverythingAlertsThroughTheFileNotifierAndCommits() throws Exception {
        writeAttackData();
        Agent agent = new Agent(config(0, false), plugins.catalog(), Clock.systemUTC(), true);
        agent.start();
        agent.awaitSources();
        agent.shutdown(Duration.ofSeconds(5));

        List<JsonNode> alerts = alerts();
        assertThat(alerts).hasSize(2);
        JsonNode firing = alerts.get(0);
        List<String> keys = new ArrayList<>();
        for (Iterator<String> it = firing.fieldNames(); it.hasNext(); ) {
            keys.add(it.next());
        }
        assertThat(keys).containsExactly("id", "rule", "severity", "state", "labels", "value", "threshold",
                "startsAt", "endsAt", "summary", "description", "samples");
        assertThat(firing.get("rule").asText()).isEqualTo("ssh-brute-force");
        assertThat(firing.get("state").asText()).isEqualTo("firing");
        assertThat(firing.get("severity").asText()).isEqualTo("high");
        assertThat(firing.get("labels").get("srcaddr").asText()).isEqualTo("185.220.101.7");
        assertThat(firing.get("value").asLong()).isEqualTo(150);
        assertThat(firing.get("threshold").asLong()).isEqualTo(100);
        assertThat(firing.get("endsAt").isNull()).isTrue();
        assertThat(firing.get("samples").get(0).get("dstport").asInt()).isEqualTo(22);
        assertThat(firing.get("samples").get(0).get("log-status").asText()).isEqualTo("OK");
        // The later traffic closes the next window with no attack: the episode resolves with the same id.
        JsonNode resolved = alerts.get(1);
        assertThat(resolved.get("state").asText()).isEqualTo("resolved");
        assertThat(resolved.get("id").asText()).isEqualTo(firing.get("id").asText());
        assertThat(resolved.get("endsAt").asText()).isNotEmpty();

        assertThat(metric(agent, "flowwatch_records_malformed_total", "local")).isEqualTo(1);
        assertThat(metric(agent, "flowwatch_records_parsed_total", "local")).isEqualTo(301);
        assertThat(new CheckpointStore(dir.resolve("state")).load().positions()).containsKey("local");

        // A restart resumes from the committed position: nothing is re-read, nothing re-alerted.
        Agent again = new Agent(config(0, false), plugins.catalog(), Clock.systemUTC(), true);
        again.start();
        again.awaitSources();
        again.shutdown(Duration.ofSeconds(5));
        assertThat(metric(again, "flowwatch_records_read_total", "local")).isZero();
        assertThat(alerts()).hasSize(2);
    }

    @Test
    void servesMetricsAndHealthOnTheConfiguredPort() throws Exception {
        writeAttackData();
        Agent agent = new Agent(config(0, true), plugins.catalog(), Clock.systemUTC(), true);
        agent.start();
        try {
            agent.awaitSources();
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + agent.httpPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("Content-Type")).get().asString().startsWith("text/plain");
            assertThat(metrics.body())
                    .contains("flowwatch_records_parsed_total{source=\"local\",} 301.0")
                    .contains("flowwatch_records_malformed_total{source=\"local\",} 1.0")
                    .contains("flowwatch_alerts_total{rule=\"ssh-brute-force\",state=\"firing\",} 1.0")
                    .contains("jvm_memory_bytes_used");
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + agent.httpPort() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"status\":\"ok\"");
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + agent.httpPort() + "/")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(page.body()).contains("ssh-brute-force").doesNotContain("<script");
        } finally {
            agent.shutdown(Duration.ofSeconds(5));
        }
    }

    @Test
    void aBusyPortIsAClearStartupError() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Agent agent = new Agent(config(busy.getLocalPort(), true), plugins.catalog(), Clock.systemUTC(), true);
            assertThatThrownBy(agent::start)
                    .isInstanceOf(FlowwatchException.class)
                    .hasMessageContaining("cannot listen on 127.0.0.1:" + busy.getLocalPort())
                    .hasMessageContaining("flowwatch.http.port");
            agent.shutdown(Duration.ofSeconds(1));
        }
    }

    @Test
    void anUnwritableStateDirIsAClearStartupError() throws Exception {
        Path file = dir.resolve("state");
        Files.writeString(file, "a file where the state directory should be");
        Agent agent = new Agent(config(0, false), plugins.catalog(), Clock.systemUTC(), true);
        assertThatThrownBy(agent::start).isInstanceOf(FlowwatchException.class)
                .hasMessageContaining("state-dir").hasMessageContaining("cannot be created");
    }

    @Test
    void aTypeNoPluginProvidesFailsListingTheKnownTypes() throws Exception {
        String conf = """
                flowwatch {
                  plugins-dir = "%s"
                  sources { k { type = kafka } }
                  notifiers { n { type = pager } }
                }
                """.formatted(TestPlugins.dir().toAbsolutePath());
        ConfigLoader.Loaded loaded = new ConfigLoader().loadString(conf, "t.conf", dir.resolve("agent.conf"));
        assertThatThrownBy(() -> new AgentAssembler(plugins.catalog(), Clock.systemUTC(), null).assemble(loaded.config()))
                .isInstanceOf(FlowwatchException.class)
                .satisfies(e -> assertThat(((FlowwatchException) e).problems()).extracting(Object::toString).containsExactlyInAnyOrder(
                        "t.conf:3: flowwatch.sources.k.type: expected one of the sources types the loaded plugins provide (cloudwatch-logs, directory, s3, simulator), got 'kafka'",
                        "t.conf:4: flowwatch.notifiers.n.type: expected one of the notifiers types the loaded plugins provide (alertmanager, console, email, file, slack, sns, test-secret, webhook), got 'pager'"));
    }
}
