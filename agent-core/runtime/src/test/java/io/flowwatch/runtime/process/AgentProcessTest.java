package io.flowwatch.runtime.process;

import io.flowwatch.runtime.TestPlugins;
import io.flowwatch.runtime.state.CheckpointStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The agent as a user runs it: a separate JVM started through {@code Main}, with the production
 * logback configuration, stopped by a real SIGTERM.
 */
class AgentProcessTest {

    static final long T0 = 1_764_000_000L - (1_764_000_000L % 300);
    static final String SECRET = "s3cr3t-Tok3n-4242";

    @TempDir
    Path dir;

    Path writeObject(String name, long from, int attempts, long lastEventTime) throws IOException {
        Path obj = dir.resolve("flowlogs/AWSLogs/123456789012/vpcflowlogs/eu-west-1/2025/11/24/" + name);
        Files.createDirectories(obj.getParent());
        StringBuilder sb = new StringBuilder("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n");
        for (int i = 0; i < attempts; i++) {
            sb.append("2 123456789012 eni-0a1 185.220.101.7 10.0.3.7 ").append(40000 + i)
                    .append(" 22 6 1 60 ").append(from + i).append(' ').append(from + i + 1).append(" REJECT OK\n");
        }
        sb.append("2 123456789012 eni-0a2 10.0.1.5 52.95.128.179 1 443 6 1 40 ").append(lastEventTime).append(' ')
                .append(lastEventTime + 60).append(" ACCEPT OK\n");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(obj))) {
            out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        }
        return obj;
    }

    Path config(String notifiers, String notify) throws IOException {
        Files.writeString(dir.resolve("rules.conf"), """
                rules = [
                  { name = ssh-brute-force, type = frequency, severity = high
                    match { action = REJECT, dstport = 22 }
                    group-by = [srcaddr], window = 5m, threshold = 100, notify = [%s] }
                ]
                """.formatted(notify));
        Path conf = dir.resolve("agent.conf");
        Files.writeString(conf, """
                flowwatch {
                  state-dir = "%s"
                  plugins-dir = "%s"
                  http.enabled = false
                  rules = ["rules.conf"]
                  allowed-lateness = 1m
                  sources { local { type = directory, path = "%s", poll-interval = 200ms } }
                  notifiers { %s }
                }
                """.formatted(dir.resolve("state"), TestPlugins.dir(), dir.resolve("flowlogs"), notifiers));
        return conf;
    }

    Process start(String... args) throws IOException {
        return start(java.util.Map.of(), args);
    }

    /** Starts the agent with {@code env} added to the environment (minus flowwatch's logging variables, set only by the test). */
    Process start(java.util.Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-Dlogback.configurationFile=" + productionLogback(),
                "io.flowwatch.runtime.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectOutput(dir.resolve("stdout.txt").toFile())
                .redirectError(dir.resolve("stderr.txt").toFile());
        pb.environment().keySet().removeAll(List.of("FLOWWATCH_LOG_FORMAT", "FLOWWATCH_LOG_LEVELS", "JOURNAL_STREAM"));
        pb.environment().putAll(env);
        return pb.start();
    }

    static Path productionLogback() {
        // The runtime's packaged logback.xml: the one users run with.
        return Paths.get("src/main/resources/logback.xml").toAbsolutePath();
    }

    String stderr() throws IOException {
        return Files.readString(dir.resolve("stderr.txt"));
    }

    String stdout() throws IOException {
        return Files.readString(dir.resolve("stdout.txt"));
    }

    List<String> alerts() throws IOException {
        Path f = dir.resolve("alerts.jsonl");
        return Files.exists(f) ? Files.readAllLines(f) : List.of();
    }

    /** As {@link #await}, with the agent's log in the failure message. */
    void awaitAgent(Duration timeout, String what, Check check) throws Exception {
        try {
            await(timeout, what, check);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; the agent's stderr:\n" + stderr(), e);
        }
    }

    static void await(Duration timeout, String what, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!check.ok()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    interface Check {
        boolean ok() throws Exception;
    }

    @Test
    void sigtermStopsTheDaemonCleanlyWithPositionsCommittedAndARestartDoesNotReread() throws Exception {
        writeObject("a_20251124T1200Z.log.gz", T0, 150, T0 + 1300);
        Path conf = config("alerts { type = file, path = \"" + dir.resolve("alerts.jsonl") + "\" }", "alerts");

        Process agent = start("run", "--config", conf.toString());
        await(Duration.ofSeconds(30), "the firing alert", () -> alerts().stream().anyMatch(l -> l.contains("\"firing\"")));
        // A file that arrives while the daemon runs is picked up too.
        writeObject("b_20251124T1230Z.log.gz", T0 + 1800, 120, T0 + 3000);
        await(Duration.ofSeconds(30), "the second episode", () -> alerts().stream().filter(l -> l.contains("\"firing\"")).count() == 2);

        agent.destroy(); // SIGTERM
        assertThat(agent.waitFor(30, TimeUnit.SECONDS)).as("exits after SIGTERM").isTrue();
        assertThat(agent.exitValue()).as("exit code after SIGTERM; stderr:%n%s", stderr()).isZero();
        assertThat(stderr()).contains("agent: stopped");

        Map<String, String> committed = new CheckpointStore(dir.resolve("state")).load().positions().get("local");
        assertThat(committed.toString()).contains("a_20251124T1200Z.log.gz").contains("b_20251124T1230Z.log.gz");

        int before = alerts().size();
        Process again = start("run", "--config", conf.toString(), "--once");
        assertThat(again.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(again.exitValue()).as("stderr:%n%s", stderr()).isZero();
        assertThat(alerts()).as("nothing is read twice, so nothing alerts twice").hasSize(before);
    }

    @Test
    void notificationsQueuedWhileTheReceiverIsDownSurviveKillNineAndArriveAfterRestart() throws Exception {
        writeObject("a_20251124T1200Z.log.gz", T0, 150, T0 + 1300);
        writeObject("b_20251124T1230Z.log.gz", T0 + 1800, 120, T0 + 3000);
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // nothing listens here until the receiver starts below
        }
        String url = "http://127.0.0.1:" + port + "/hook?token=" + SECRET;
        Path conf = config("hook { type = webhook, url = \"" + url + "\", delivery { retry-initial = 100ms, retry-max = 200ms } }", "hook");

        Process agent = start("run", "--config", conf.toString());
        Path outbox = dir.resolve("state/outbox/hook");
        await(Duration.ofSeconds(30), "four queued notifications (2 firing, 2 resolved)", () -> queued(outbox) == 4);
        agent.destroyForcibly(); // SIGKILL: no shutdown hook, no flush
        assertThat(agent.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(stderr()).doesNotContain(SECRET);

        List<String> bodies = java.util.Collections.synchronizedList(new ArrayList<>());
        com.sun.net.httpserver.HttpServer receiver = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), 0);
        receiver.createContext("/hook", ex -> {
            bodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        receiver.start();
        try {
            Process again = start("run", "--config", conf.toString());
            await(Duration.ofSeconds(30), "delivery after restart", () -> bodies.stream().distinct().count() >= 4);
            await(Duration.ofSeconds(10), "an empty outbox", () -> queued(outbox) == 0);
            again.destroy();
            assertThat(again.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(again.exitValue()).isZero();
        } finally {
            receiver.stop(0);
        }
        // At least once, in order: every episode's firing arrives before its resolve. A record batch read
        // again after the kill may repeat notifications, but only with the same ids.
        List<String> seen = new ArrayList<>();
        for (String b : bodies) {
            String key = b.substring(b.indexOf("\"id\":\"") + 6, b.indexOf("\"", b.indexOf("\"id\":\"") + 6))
                    + (b.contains("\"state\":\"firing\"") ? " firing" : " resolved");
            if (!seen.contains(key)) {
                seen.add(key);
            }
        }
        assertThat(seen).hasSize(4);
        assertThat(seen.get(0)).endsWith(" firing");
        assertThat(seen.get(1)).isEqualTo(seen.get(0).replace(" firing", " resolved"));
        assertThat(seen.get(2)).endsWith(" firing");
        assertThat(seen.get(3)).isEqualTo(seen.get(2).replace(" firing", " resolved"));
        assertThat(stderr()).doesNotContain(SECRET);
    }

    static long queued(Path outbox) throws IOException {
        if (!Files.isDirectory(outbox)) {
            return 0;
        }
        try (var s = Files.list(outbox)) {
            return s.filter(p -> p.getFileName().toString().matches("\\d{20}\\.json")).count();
        }
    }

    @Test
    void sighupReloadsAGoodConfigAndRefusesABadOneWhileTheAgentRunsOn() throws Exception {
        Path conf = config("alerts { type = file, path = \"" + dir.resolve("alerts.jsonl") + "\" }", "alerts");
        Process agent = start("run", "--config", conf.toString());
        awaitAgent(Duration.ofSeconds(30), "start", () -> stderr().contains("agent: started"));

        Files.writeString(dir.resolve("rules.conf"), Files.readString(dir.resolve("rules.conf")).replace("threshold = 100", "threshold = 50"));
        hup(agent);
        awaitAgent(Duration.ofSeconds(30), "the reload", () -> stderr().contains("agent: reloaded"));

        Files.writeString(dir.resolve("rules.conf"), "rules = [ { name = broken, type = frequency, window = soon } ]\n");
        hup(agent);
        awaitAgent(Duration.ofSeconds(30), "the refusal", () -> stderr().contains("agent: reload refused"));
        assertThat(stderr()).contains("rules[broken].window: expected a duration");
        assertThat(agent.isAlive()).isTrue();

        // The config in force (threshold 50) still alerts.
        writeObject("a_20251124T1200Z.log.gz", T0, 60, T0 + 1300);
        awaitAgent(Duration.ofSeconds(30), "an alert", () -> alerts().stream().anyMatch(l -> l.contains("\"value\":60")));
        agent.destroy();
        assertThat(agent.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(agent.exitValue()).isZero();
    }

    @Test
    void aSighupWhileStartingIsActedOnOnceStartedAndDoesNotKillTheAgent() throws Exception {
        Path conf = config("alerts { type = file, path = \"" + dir.resolve("alerts.jsonl") + "\" }", "alerts");
        Process agent = start("run", "--config", conf.toString());
        awaitAgent(Duration.ofSeconds(30), "start-up", () -> stderr().contains("agent: starting"));
        hup(agent); // plugins are still loading: the agent has not started
        awaitAgent(Duration.ofSeconds(30), "the reload", () -> stderr().contains("agent: reloaded"));
        assertThat(stderr()).contains("agent: SIGHUP while starting");
        assertThat(stderr().indexOf("agent: started")).isLessThan(stderr().indexOf("agent: reloading"));
        assertThat(agent.isAlive()).isTrue();
        agent.destroy();
        assertThat(agent.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(agent.exitValue()).isZero();
    }

    static void hup(Process p) throws Exception {
        assertThat(new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).start().waitFor()).isZero();
    }

    @Test
    void secretsAreMaskedInLogsAndInErrors() throws Exception {
        writeObject("a_20251124T1200Z.log.gz", T0, 150, T0 + 1300);
        Path conf = config("vault { type = test-secret, token = \"" + SECRET + "\" }", "vault");
        Process ok = start("run", "--config", conf.toString(), "--once");
        assertThat(ok.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(ok.exitValue()).as("stderr:%n%s", stderr()).isZero();
        assertThat(stderr()).contains("using token ****").contains("delivering with token ****")
                .contains("IllegalStateException: receiver said: bad token ****").doesNotContain(SECRET);

        Path failing = config("vault { type = test-secret, token = \"" + SECRET + "\", fail = true }", "vault");
        Process bad = start("validate", "--config", failing.toString());
        assertThat(bad.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(bad.exitValue()).isEqualTo(2);
        assertThat(stdout() + stderr()).contains("cannot reach https://hooks.invalid/****").doesNotContain(SECRET);
    }

    @Test
    void jsonLogsAreOneObjectPerLineWithSecretsMasked() throws Exception {
        writeObject("a_20251124T1200Z.log.gz", T0, 150, T0 + 1300);
        Path conf = config("vault { type = test-secret, token = \"" + SECRET + "\" }", "vault");
        Process p = start(java.util.Map.of("FLOWWATCH_LOG_FORMAT", "json"), "run", "--config", conf.toString(), "--once");
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("stderr:%n%s", stderr()).isZero();
        assertThat(stderr()).doesNotContain(SECRET);
        // Logback's own status lines (printed to stdout when it warns about its config) would break pipes such as `parse`.
        assertThat(stdout()).doesNotContain("ch.qos.logback");
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        List<com.fasterxml.jackson.databind.JsonNode> lines = new ArrayList<>();
        for (String line : stderr().lines().toList()) {
            lines.add(json.readTree(line)); // throws on anything that is not one JSON object per line
        }
        assertThat(lines).allSatisfy(l -> assertThat(l.path("level").isTextual() && l.path("loggerName").isTextual()
                && l.path("timestamp").isNumber()).as(l.toString()).isTrue());
        assertThat(lines).anySatisfy(l -> assertThat(l.path("formattedMessage").asText()).isEqualTo("notifier vault: using token ****"));
        assertThat(lines).anySatisfy(l -> assertThat(l.path("formattedMessage").asText()).startsWith("agent: started"));
        assertThat(lines).anySatisfy(l -> assertThat(l.path("throwable").path("message").asText())
                .isEqualTo("receiver said: bad token ****"));
        assertThat(lines).anySatisfy(l -> assertThat(l.path("level").asText()).isEqualTo("WARN"));
    }

    @Test
    void underJournaldLinesCarryASyslogPriorityAndNoTimestamp() throws Exception {
        writeObject("a_20251124T1200Z.log.gz", T0, 150, T0 + 1300);
        Path conf = config("vault { type = test-secret, token = \"" + SECRET + "\" }", "vault");
        // systemd names the journal stream in JOURNAL_STREAM ("device:inode"); here stderr is a file, named the same way.
        Path err = dir.resolve("stderr.txt");
        Files.write(err, new byte[0]);
        String stream = Files.getAttribute(err, "unix:dev") + ":" + Files.getAttribute(err, "unix:ino");
        Process p = start(java.util.Map.of("JOURNAL_STREAM", stream), "run", "--config", conf.toString(), "--once");
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("stderr:%n%s", stderr()).isZero();
        assertThat(stderr()).doesNotContain(SECRET).doesNotContainPattern("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d");
        assertThat(stderr().lines().filter(l -> !l.startsWith("\t") && !l.startsWith("java.")))
                .allMatch(l -> l.matches("<[3467]>(ERROR|WARN |INFO |DEBUG|TRACE) \\[.*"));
        assertThat(stderr()).contains("<6>INFO  [main] i.f.runtime.Agent - agent: started")
                .contains("<4>WARN ").contains("delivering with token ****");

        // A JOURNAL_STREAM inherited by a process whose stderr goes elsewhere does not count.
        Process q = start(java.util.Map.of("JOURNAL_STREAM", "1:2"), "run", "--config", conf.toString(), "--once");
        assertThat(q.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(stderr()).containsPattern("(?m)^\\d{4}-\\d\\d-\\d\\dT\\S+ INFO  \\[main\\] i.f.runtime.Agent - agent: started");
    }

    @Test
    void logLevelsPerLoggerComeFromTheEnvironmentAndABadEntryIsNamed() throws Exception {
        writeObject("a_20251124T1200Z.log.gz", T0, 150, T0 + 1300);
        Path conf = config("vault { type = test-secret, token = \"" + SECRET + "\" }", "vault");
        Process p = start(java.util.Map.of("FLOWWATCH_LOG_LEVELS", "root=WARN, org.pf4j=DEBUG,noise=LOUD"),
                "run", "--config", conf.toString(), "--once");
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("stderr:%n%s", stderr()).isZero();
        assertThat(stderr()).contains("flowwatch: FLOWWATCH_LOG_LEVELS: 'noise=LOUD': expected logger=LEVEL")
                .doesNotContain("agent: started")        // INFO, under root=WARN
                .contains("WARN  [").contains("delivering with token ****")
                // over logback.xml's own <logger name="org.pf4j" level="WARN"/>
                .containsPattern("DEBUG \\[[^]]+] o\\.p\\.")
                .doesNotContain(SECRET);
    }

    @Test
    void aSecondAgentOnTheSameStateDirIsRefusedNamingTheDirAndTheHolderWhileToolsStillRun() throws Exception {
        writeObject("a_20251124T1200Z.log.gz", T0, 150, T0 + 1300);
        Path conf = config("alerts { type = file, path = \"" + dir.resolve("alerts.jsonl") + "\" }", "alerts");
        Process first = start("run", "--config", conf.toString());
        await(Duration.ofSeconds(30), "the first agent's alert", () -> alerts().stream().anyMatch(l -> l.contains("\"firing\"")));

        Process second = new ProcessBuilder(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Dlogback.configurationFile=" + productionLogback(),
                "io.flowwatch.runtime.Main", "run", "--config", conf.toString()))
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("second.txt").toFile()).start();
        assertThat(second.waitFor(60, TimeUnit.SECONDS)).as("the second agent gives up at once").isTrue();
        String refused = Files.readString(dir.resolve("second.txt"));
        assertThat(second.exitValue()).as(refused).isEqualTo(1);
        assertThat(refused).contains("state-dir " + dir.resolve("state") + " is in use by another flowwatch agent (pid "
                + first.pid() + ", lock " + dir.resolve("state/.lock") + ")").doesNotContain("agent: started");

        // Tools that only read the config and rules do not take the lock.
        for (List<String> tool : List.of(List.of("validate", "--config", conf.toString()),
                List.of("plugins", "--config", conf.toString()))) {
            List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "io.flowwatch.runtime.Main"));
            cmd.addAll(tool);
            Process t = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("tool.txt").toFile()).start();
            assertThat(t.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(t.exitValue()).as("%s: %s", tool, Files.readString(dir.resolve("tool.txt"))).isZero();
        }

        // The first agent carries on: a new file still raises an alert, and it stops cleanly.
        assertThat(first.isAlive()).isTrue();
        writeObject("b_20251124T1230Z.log.gz", T0 + 1800, 120, T0 + 3000);
        await(Duration.ofSeconds(30), "the second episode", () -> alerts().stream().filter(l -> l.contains("\"firing\"")).count() == 2);
        first.destroy();
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(first.exitValue()).as(stderr()).isZero();

        // Its lock went with it: the next agent starts (once, reading nothing new).
        Process after = start("run", "--config", conf.toString(), "--once");
        assertThat(after.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(after.exitValue()).as(stderr()).isZero();
    }
}
