package io.flowwatch.runtime.process;

import io.flowwatch.runtime.TestPlugins;
import io.flowwatch.runtime.state.CheckpointStore;
import io.flowwatch.runtime.state.TmpfsMount;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * state-dir on a 1 MiB tmpfs that the test fills to the last byte while the real agent (a child
 * JVM through {@code Main}) runs: a checkpoint write and an outbox write fail with ENOSPC, each is
 * logged naming state-dir and the file and counted; the agent keeps running, does not advance the
 * position past what it could not save and drops no alert; when space returns it writes its
 * checkpoint and delivers the queued alerts on its own. Needs root for the mount (CI runs as root);
 * skipped elsewhere with the reason.
 */
class DiskFullProcessTest {

    static final long T0 = AgentProcessTest.T0;

    @TempDir
    Path dir;
    TmpfsMount disk;
    Process agent;

    @AfterEach
    void tearDown() throws Exception {
        if (agent != null) {
            agent.destroyForcibly();
            agent.waitFor(10, TimeUnit.SECONDS);
        }
        if (disk != null) {
            disk.close();
        }
    }

    @Test
    void aFullStateDirIsReportedCountedAndSurvivedAndTheAgentRecoversWhenSpaceReturns() throws Exception {
        disk = TmpfsMount.mount(dir.resolve("state"), 1024);
        int port = ReceiverOutageProcessTest.freePort();
        Path conf = config(port);
        agent = start(conf);

        writeObject("a_20251124T1200Z.log.gz", T0, 150, "185.220.101.1");
        await(Duration.ofSeconds(40), "episode 1 delivered", () -> alerts().size() == 2);
        await(Duration.ofSeconds(10), "episode 1 committed", () -> committed().contains("a_20251124T1200Z"));

        disk.fill();
        // Normal traffic: no alert, so the next thing written is the checkpoint.
        writeObject("b_20251124T1230Z.log.gz", T0 + 1800, 0, null);
        await(Duration.ofSeconds(30), "the checkpoint failure", () -> stderr().contains("cannot write checkpoint"));
        assertThat(stderr()).contains("checkpoint: cannot write to state-dir")
                .contains("state-dir: cannot write checkpoint in " + dir.resolve("state/checkpoints"))
                .contains("No space left on device");
        assertThat(metric(port, "flowwatch_state_write_failures_total", "file", "checkpoint")).isPositive();
        assertThat(metric(port, "flowwatch_checkpoint_failures_total", "source", "local")).isPositive();

        // An attack while the disk is full: its alerts cannot be stored, so the source waits on them.
        writeObject("c_20251124T1300Z.log.gz", T0 + 3600, 150, "185.220.101.2");
        await(Duration.ofSeconds(30), "the outbox failure", () -> stderr().contains("cannot write outbox entry"));
        assertThat(stderr()).contains("notifier alerts: cannot store alert")
                .contains("state-dir: cannot write outbox entry " + dir.resolve("state/outbox/alerts"))
                .contains("nothing is dropped");
        assertThat(metric(port, "flowwatch_state_write_failures_total", "file", "outbox")).isPositive();
        Thread.sleep(2000);
        assertThat(agent.isAlive()).isTrue();
        assertThat(alerts()).as("nothing delivered that was not stored first").hasSize(2);
        assertThat(committed()).as("no position past unsaved state").doesNotContain("b_20251124T1230Z").doesNotContain("c_20251124T1300Z");
        assertThat(ReceiverOutageProcessTest.get(port, "/health").statusCode()).as("the HTTP endpoint still answers").isIn(200, 503);

        disk.free();
        // The dispatcher retries with backoff capped at 30 s; the checkpoint follows the stored alerts.
        await(Duration.ofSeconds(45), "episode 2 delivered after space returned", () -> alerts().size() == 4);
        await(Duration.ofSeconds(15), "positions committed again", () -> committed().contains("c_20251124T1300Z"));
        assertThat(committed()).contains("b_20251124T1230Z");
        assertThat(alerts().get(2)).contains("185.220.101.2").contains("\"firing\"");
        assertThat(alerts().get(3)).contains("185.220.101.2").contains("\"resolved\"");
        double committedBefore = metric(port, "flowwatch_checkpoints_committed_total", "source", "local");
        assertThat(committedBefore).isPositive();

        agent.destroy();
        assertThat(agent.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(agent.exitValue()).as("stderr:%n%s", stderr()).isZero();
        agent = null;
        try (var s = Files.walk(dir.resolve("state"))) {
            assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp"))).as("no torn temp files left").isEmpty();
        }
    }

    void writeObject(String name, long from, int attempts, String attacker) throws IOException {
        Path obj = dir.resolve("flowlogs/AWSLogs/123456789012/vpcflowlogs/eu-west-1/2025/11/24/" + name);
        Files.createDirectories(obj.getParent());
        StringBuilder sb = new StringBuilder("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n");
        for (int i = 0; i < attempts; i++) {
            sb.append("2 123456789012 eni-0a1 ").append(attacker).append(" 10.0.3.7 ").append(40000 + i)
                    .append(" 22 6 1 60 ").append(from + i).append(' ').append(from + i + 1).append(" REJECT OK\n");
        }
        for (int i = 0; i < 20; i++) {
            sb.append("2 123456789012 eni-0a2 10.0.1.5 52.95.128.179 ").append(1000 + i).append(" 443 6 1 40 ")
                    .append(from + 60 * i).append(' ').append(from + 60 * i + 60).append(" ACCEPT OK\n");
        }
        sb.append("2 123456789012 eni-0a2 10.0.1.5 52.95.128.179 1 443 6 1 40 ").append(from + 1300).append(' ')
                .append(from + 1360).append(" ACCEPT OK\n");
        Path tmp = obj.resolveSibling("." + name + ".part");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(tmp))) {
            out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        }
        Files.move(tmp, obj);
    }

    Path config(int port) throws IOException {
        Files.writeString(dir.resolve("rules.conf"), """
                rules = [
                  { name = ssh-brute-force, type = frequency, severity = high
                    match { action = REJECT, dstport = 22 }
                    group-by = [srcaddr], window = 5m, threshold = 100, notify = [alerts] }
                ]
                """);
        Path conf = dir.resolve("agent.conf");
        Files.writeString(conf, """
                flowwatch {
                  state-dir = "%s"
                  plugins-dir = "%s"
                  http { port = %d }
                  rules = ["rules.conf"]
                  allowed-lateness = 1m
                  sources { local { type = directory, path = "%s", poll-interval = 200ms } }
                  notifiers { alerts { type = file, path = "%s" } }
                }
                """.formatted(dir.resolve("state"), TestPlugins.dir(), port, dir.resolve("flowlogs"), dir.resolve("alerts.jsonl")));
        return conf;
    }

    Process start(Path conf) throws IOException {
        return new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-Dlogback.configurationFile=" + AgentProcessTest.productionLogback(),
                "io.flowwatch.runtime.Main", "run", "--config", conf.toString())
                .directory(dir.toFile())
                .redirectOutput(dir.resolve("stdout.txt").toFile())
                .redirectError(dir.resolve("stderr.txt").toFile())
                .start();
    }

    String stderr() throws IOException {
        return Files.readString(dir.resolve("stderr.txt"));
    }

    List<String> alerts() throws IOException {
        Path f = dir.resolve("alerts.jsonl");
        return Files.exists(f) ? Files.readAllLines(f) : List.of();
    }

    String committed() throws IOException {
        return String.valueOf(new CheckpointStore(dir.resolve("state")).load().positions().getOrDefault("local", java.util.Map.of()));
    }

    static double metric(int port, String name, String label, String value) {
        return ReceiverOutageProcessTest.metric(port, name, label, value);
    }

    static void await(Duration timeout, String what, AgentProcessTest.Check check) throws Exception {
        AgentProcessTest.await(timeout, what, check);
    }
}
