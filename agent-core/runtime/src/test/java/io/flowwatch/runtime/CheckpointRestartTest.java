package io.flowwatch.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An agent stopped (or crashed) inside an attack window goes on with that window's partial count
 * after the restart, because the checkpoint holds the rules' open windows with the positions.
 */
class CheckpointRestartTest {

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

    static final long T0 = 1_764_000_000L - (1_764_000_000L % 300);

    /** {@code attempts} rejected SSH attempts from one attacker starting at {@code from}, and one later record. */
    void writeObject(String name, long from, int attempts, long later) throws IOException {
        Path obj = dir.resolve("flowlogs/" + name);
        Files.createDirectories(obj.getParent());
        StringBuilder sb = new StringBuilder("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n");
        for (int i = 0; i < attempts; i++) {
            sb.append("2 123456789012 eni-0a1 185.220.101.7 10.0.3.7 ").append(40000 + i)
                    .append(" 22 6 1 60 ").append(from + i).append(' ').append(from + i + 1).append(" REJECT OK\n");
        }
        if (later > 0) {
            sb.append("2 123456789012 eni-0a2 10.0.1.5 52.95.128.179 1 443 6 1 40 ").append(later).append(' ')
                    .append(later + 60).append(" ACCEPT OK\n");
        }
        Path tmp = dir.resolve(name + ".tmp");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(tmp))) {
            out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        }
        Files.move(tmp, obj);
    }

    AgentConfig config(int threshold) throws IOException {
        Files.writeString(dir.resolve("rules.conf"), """
                rules = [
                  { name = ssh-brute-force, type = frequency, severity = high
                    match { action = REJECT, dstport = 22, protocol = 6 }
                    group-by = [srcaddr], window = 5m, threshold = %d
                    notify = [alerts] }
                ]
                """.formatted(threshold));
        String conf = """
                flowwatch {
                  state-dir = "%s"
                  plugins-dir = "%s"
                  http.enabled = false
                  rules = ["rules.conf"]
                  allowed-lateness = 1m
                  checkpoint-interval = 100ms
                  sources { local { type = directory, path = "%s" } }
                  notifiers { alerts { type = file, path = "%s" } }
                }
                """.formatted(dir.resolve("state"), TestPlugins.dir().toAbsolutePath(), dir.resolve("flowlogs"),
                dir.resolve("alerts.jsonl"));
        ConfigLoader.Loaded loaded = new ConfigLoader().loadString(conf, "test.conf", dir.resolve("agent.conf"));
        assertThat(loaded.problems()).isEmpty();
        return loaded.config();
    }

    List<JsonNode> alerts() throws IOException {
        List<JsonNode> out = new ArrayList<>();
        Path f = dir.resolve("alerts.jsonl");
        if (Files.exists(f)) {
            ObjectMapper m = new ObjectMapper();
            for (String line : Files.readAllLines(f)) {
                out.add(m.readTree(line));
            }
        }
        return out;
    }

    /** Runs the daemon until it has read {@code records} records, then stops it as SIGTERM does. */
    void runDaemonUntilRead(AgentConfig config, int records) throws Exception {
        try (Agent agent = new Agent(config, plugins.catalog(), Clock.systemUTC(), false)) {
            agent.start();
            long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (AgentOnceTest.metric(agent, "flowwatch_records_parsed_total", "local") < records) {
                assertThat(System.nanoTime()).as("records read in time").isLessThan(end);
                Thread.sleep(20);
            }
        }
    }

    void runOnce(AgentConfig config) throws Exception {
        try (Agent agent = new Agent(config, plugins.catalog(), Clock.systemUTC(), true)) {
            agent.start();
            agent.awaitSources();
        }
    }

    @Test
    void aWindowOpenAtShutdownGoesOnAfterTheRestart() throws Exception {
        // 60 attempts, then the daemon stops while their window is open; 60 more arrive later.
        writeObject("a.log.gz", T0, 60, 0);
        runDaemonUntilRead(config(100), 60);
        assertThat(alerts()).isEmpty();
        CheckpointStore.Manifest m = new CheckpointStore(dir.resolve("state")).load();
        assertThat(m.rules()).as("the open window is in the checkpoint").containsKey("ssh-brute-force");

        writeObject("b.log.gz", T0 + 100, 60, T0 + 1300);
        runOnce(config(100));
        assertThat(alerts()).as("60 before the restart and 60 after make 120 in one window")
                .first().satisfies(a -> {
                    assertThat(a.get("state").asText()).isEqualTo("firing");
                    assertThat(a.get("value").asDouble()).isEqualTo(120);
                });
    }

    @Test
    void aChangedRuleStartsWithoutTheSavedWindows() throws Exception {
        writeObject("a.log.gz", T0, 60, 0);
        runDaemonUntilRead(config(100), 60);
        writeObject("b.log.gz", T0 + 100, 60, T0 + 1300);
        // The threshold changed: the saved count belongs to another rule definition.
        runOnce(config(90));
        assertThat(alerts()).as("only the 60 read after the restart count, under 90").isEmpty();
    }

    @Test
    void endOfInputDoesNotCarryIntoTheNextOnceRun() throws Exception {
        writeObject("a.log.gz", T0, 120, T0 + 1300);
        runOnce(config(100));
        assertThat(alerts()).extracting(a -> a.get("state").asText()).containsExactly("firing", "resolved");
        // A later run on new files judges new windows: the previous run's "end of time" is not kept.
        writeObject("b.log.gz", T0 + 3000, 120, T0 + 4300);
        runOnce(config(100));
        assertThat(alerts()).extracting(a -> a.get("state").asText()).containsExactly("firing", "resolved", "firing", "resolved");
        assertThat(alerts().get(2).get("value").asDouble()).isEqualTo(120);
    }
}
