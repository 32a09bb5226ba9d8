package io.flowwatch.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowwatch.runtime.config.AgentConfig;
import io.flowwatch.runtime.config.ConfigLoader;
import io.flowwatch.runtime.plugin.PluginRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Firing alerts survive a restart: not re-sent before their repeat interval, and still resolved later. */
class AlertStateRestartTest {

    static PluginRuntime plugins;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() throws IOException {
        plugins = PluginRuntime.load(TestPlugins.dir());
    }

    @AfterAll
    static void close() {
        plugins.close();
    }

    static final long T0 = 1_764_000_000L - (1_764_000_000L % 300);

    void writeFile(String name, long from, int attempts, long quietAt) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < attempts; i++) {
            sb.append("2 123456789012 eni-0a1 185.220.101.7 10.0.3.7 ").append(40000 + i)
                    .append(" 22 6 1 60 ").append(from + i).append(' ').append(from + i + 1).append(" REJECT OK\n");
        }
        if (quietAt > 0) {
            sb.append("2 123456789012 eni-0a2 10.0.1.5 52.95.128.179 1 443 6 1 40 ").append(quietAt).append(' ')
                    .append(quietAt + 60).append(" ACCEPT OK\n");
        }
        Files.createDirectories(dir.resolve("logs"));
        Files.writeString(dir.resolve("logs").resolve(name), sb.toString());
    }

    void runOnce() throws Exception {
        Files.writeString(dir.resolve("rules.conf"), """
                rules = [ { name = ssh, type = frequency, match { action = REJECT, dstport = 22 }
                            group-by = [srcaddr], window = 5m, threshold = 100, notify = [alerts] } ]
                """);
        String conf = """
                flowwatch {
                  state-dir = "%s", plugins-dir = "%s", http.enabled = false, rules = ["rules.conf"], allowed-lateness = 1m
                  sources { local { type = directory, path = "%s" } }
                  notifiers { alerts { type = file, path = "%s" } }
                }
                """.formatted(dir.resolve("state"), TestPlugins.dir(), dir.resolve("logs"), dir.resolve("alerts.jsonl"));
        ConfigLoader.Loaded loaded = new ConfigLoader().loadString(conf, "t.conf", dir.resolve("agent.conf"));
        assertThat(loaded.problems()).isEmpty();
        AgentConfig config = loaded.config();
        Agent agent = new Agent(config, plugins.catalog(), Clock.systemUTC(), true);
        agent.start();
        agent.awaitSources();
        agent.shutdown(Duration.ofSeconds(5));
    }

    List<JsonNode> alerts() throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(dir.resolve("alerts.jsonl"))) {
            out.add(new ObjectMapper().readTree(l));
        }
        return out;
    }

    @Test
    void aFiringAlertIsNotResentAfterARestartAndResolvesWhenTrafficStops() throws Exception {
        writeFile("a.log", T0, 150, 0);
        runOnce();
        assertThat(alerts()).singleElement().satisfies(a -> assertThat(a.get("state").asText()).isEqualTo("firing"));
        String id = alerts().get(0).get("id").asText();
        assertThat(Files.readString(dir.resolve("state/alerts.json"))).contains(id);

        // The attack goes on in the next window; the restarted agent knows it already told.
        writeFile("b.log", T0 + 300, 150, 0);
        runOnce();
        assertThat(alerts()).hasSize(1);

        // Only quiet traffic later: the rule has no memory of the key, the restored episode resolves by itself.
        writeFile("c.log", T0 + 1300, 0, T0 + 1300);
        runOnce();
        assertThat(alerts()).hasSize(2);
        assertThat(alerts().get(1).get("state").asText()).isEqualTo("resolved");
        assertThat(alerts().get(1).get("id").asText()).isEqualTo(id);
        assertThat(Files.readString(dir.resolve("state/alerts.json"))).doesNotContain(id);
    }

    @Test
    void aCorruptAlertStateFileIsReportedAndTheAgentRunsOn() throws Exception {
        Files.createDirectories(dir.resolve("state"));
        Files.writeString(dir.resolve("state/alerts.json"), "{ not json");
        writeFile("a.log", T0, 150, 0);
        runOnce();
        assertThat(alerts()).hasSize(1);
        assertThat(dir.resolve("state/alerts.json.corrupt")).hasContent("{ not json");
        assertThat(Files.readString(dir.resolve("state/alerts.json"))).contains(alerts().get(0).get("id").asText());
    }
}
