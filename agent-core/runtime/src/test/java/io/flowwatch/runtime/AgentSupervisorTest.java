package io.flowwatch.runtime;

import io.flowwatch.runtime.config.AgentConfig;
import io.flowwatch.runtime.config.ConfigLoader;
import io.flowwatch.runtime.plugin.PluginRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** Reload: a new configuration is built off to the side, swapped in whole, or refused. */
class AgentSupervisorTest {

    static PluginRuntime plugins;

    @TempDir
    Path dir;

    AgentSupervisor supervisor;

    static final long T0 = 1_764_000_000L - (1_764_000_000L % 300);

    @BeforeAll
    static void load() throws IOException {
        plugins = PluginRuntime.load(TestPlugins.dir());
    }

    @AfterAll
    static void close() {
        plugins.close();
    }

    @AfterEach
    void stop() {
        if (supervisor != null) {
            supervisor.stop(Duration.ofSeconds(5));
        }
    }

    static final String SSH = "{ name = ssh, type = frequency, match { action = REJECT, dstport = 22 }, group-by = [srcaddr], window = 5m, threshold = 100, notify = [alerts] }";

    void rules(String... blocks) throws IOException {
        Files.writeString(dir.resolve("rules.conf"), "rules = [\n  " + String.join("\n  ", blocks) + "\n]\n");
    }

    AgentConfig config(boolean watch) throws IOException {
        Files.createDirectories(dir.resolve("logs"));
        Path conf = dir.resolve("agent.conf");
        Files.writeString(conf, """
                flowwatch {
                  state-dir = "%s", plugins-dir = "%s", http.enabled = false, rules = ["rules.conf"]
                  allowed-lateness = 1m, watch-rules = %s
                  sources { local { type = directory, path = "%s", poll-interval = 100ms } }
                  notifiers { alerts { type = file, path = "%s" } }
                }
                """.formatted(dir.resolve("state"), TestPlugins.dir(), watch, dir.resolve("logs"), dir.resolve("alerts.jsonl")));
        ConfigLoader.Loaded loaded = new ConfigLoader().load(conf);
        assertThat(loaded.problems()).isEmpty();
        return loaded.config();
    }

    void attack(String file, long from, int n) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append("2 123456789012 eni-0a1 185.220.101.7 10.0.3.7 ").append(40000 + i).append(" 22 6 1 60 ")
                    .append(from + i).append(' ').append(from + i + 1).append(" REJECT OK\n");
        }
        Files.writeString(dir.resolve("logs").resolve(file), sb.toString());
    }

    void quiet(String file, long at) throws IOException {
        Files.writeString(dir.resolve("logs").resolve(file), "2 123456789012 eni-0a2 10.0.1.5 52.95.128.179 1 443 6 1 40 "
                + at + " " + (at + 60) + " ACCEPT OK\n");
    }

    double parsed() {
        Double v = supervisor.agent().metrics().registry().getSampleValue("flowwatch_records_parsed_total",
                new String[]{"source"}, new String[]{"local"});
        return v == null ? 0 : v;
    }

    List<String> alerts() throws IOException {
        Path f = dir.resolve("alerts.jsonl");
        return Files.exists(f) ? Files.readAllLines(f) : List.of();
    }

    static void await(String what, BooleanSupplier ok) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void anUnchangedRuleKeepsItsWindowAcrossAReloadThatAddsAnother() throws Exception {
        rules(SSH);
        supervisor = new AgentSupervisor(dir.resolve("agent.conf"), plugins.catalog(), Clock.systemUTC(), new ConfigLoader());
        supervisor.start(config(false));
        attack("a.log", T0, 60);
        await("the first 60 records", () -> parsed() >= 60);
        Agent before = supervisor.agent();

        rules(SSH, "{ name = any-reject, type = frequency, match { action = REJECT }, group-by = [srcaddr], window = 5m, threshold = 1000, notify = [alerts] }");
        assertThat(supervisor.reload()).isTrue();
        assertThat(supervisor.agent()).isNotSameAs(before);

        // 60 + 60 in one window: only a rule that kept its state sees 120 >= 100.
        attack("b.log", T0 + 100, 60);
        quiet("c.log", T0 + 1300);
        await("the firing alert", () -> {
            try {
                return alerts().stream().anyMatch(l -> l.contains("\"firing\""));
            } catch (IOException e) {
                return false;
            }
        });
        assertThat(alerts().get(0)).contains("\"value\":120");
    }

    @Test
    void aBadReloadIsRefusedCountedAndTheRunningConfigurationStays() throws Exception {
        rules(SSH);
        supervisor = new AgentSupervisor(dir.resolve("agent.conf"), plugins.catalog(), Clock.systemUTC(), new ConfigLoader());
        supervisor.start(config(false));
        Agent running = supervisor.agent();

        rules(SSH.replace("threshold = 100", "threshold = lots"), "{ name = x, type = nosuch }");
        assertThat(supervisor.reload()).isFalse();
        assertThat(supervisor.agent()).isSameAs(running);
        assertThat(running.metrics().registry().getSampleValue("flowwatch_config_reload_failure_total")).isEqualTo(1.0);
        assertThat(running.metrics().registry().getSampleValue("flowwatch_config_last_reload_successful")).isEqualTo(0.0);

        // The old rules still work.
        attack("a.log", T0, 150);
        quiet("b.log", T0 + 1300);
        await("an alert from the old rules", () -> {
            try {
                return alerts().stream().anyMatch(l -> l.contains("\"firing\""));
            } catch (IOException e) {
                return false;
            }
        });

        // Fixed: the next reload takes it, and the gauge an operator alerts on says so.
        rules(SSH);
        assertThat(supervisor.reload()).isTrue();
        assertThat(running.metrics().registry().getSampleValue("flowwatch_config_last_reload_successful")).isEqualTo(1.0);
    }

    @Test
    void withWatchRulesAChangedRuleFileReloadsByItself() throws Exception {
        rules(SSH);
        supervisor = new AgentSupervisor(dir.resolve("agent.conf"), plugins.catalog(), Clock.systemUTC(), new ConfigLoader());
        supervisor.start(config(true));
        Agent first = supervisor.agent();
        Thread.sleep(1100); // file times have a coarse grain on some file systems
        rules(SSH.replace("threshold = 100", "threshold = 10"));
        await("the automatic reload", () -> supervisor.agent() != first);
        assertThat(supervisor.agent().config().rules()).singleElement()
                .satisfies(r -> assertThat(r.block().getInt("threshold")).isEqualTo(10));
    }
}
