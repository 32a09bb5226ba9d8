package io.flowwatch.runtime.process;

import com.sun.net.httpserver.HttpServer;
import io.flowwatch.runtime.TestPlugins;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A notification receiver down for two minutes while the real agent (a child JVM through
 * {@code Main}, production logback, real plugin zips) keeps raising alerts: the webhook receiver's
 * port is closed for the first half of the outage and answers 503 for the second half, and the
 * agent is killed with SIGKILL and restarted in the middle of it. A Slack notifier pointing at a
 * healthy local receiver is unaffected. When the webhook receiver comes back, everything queued
 * arrives, in order, nothing lost; the outbox depth metric rose during the outage and is back at 0.
 */
class ReceiverOutageProcessTest {

    static final long T0 = 1_764_000_000L - (1_764_000_000L % 300);
    /**
     * How long the webhook receiver refuses connections, then how long it answers 503: two minutes
     * in all ({@code -Dflowwatch.outage.seconds=N} for N seconds of each, e.g. shorter runs by hand).
     */
    static final Duration CLOSED = Duration.ofSeconds(Long.getLong("flowwatch.outage.seconds", 60));
    static final Duration UNAVAILABLE = CLOSED;
    static final Pattern ID = Pattern.compile("\"id\":\"([^\"]+)\"");

    @TempDir
    Path dir;

    final List<Process> agents = new ArrayList<>();
    final List<HttpServer> servers = new ArrayList<>();
    final List<Arrival> hook = new CopyOnWriteArrayList<>();
    final List<Arrival> chat = new CopyOnWriteArrayList<>();
    final List<Long> hookRefusals = new CopyOnWriteArrayList<>();
    volatile boolean hookAnswers503 = true;

    /** One request a receiver accepted: when, and the body. */
    record Arrival(long nanos, String body) {
    }

    @AfterEach
    void stop() {
        agents.forEach(Process::destroyForcibly);
        servers.forEach(s -> s.stop(0));
    }

    @Test
    void alertsQueuedWhileAReceiverIsDownForAMinuteArriveInOrderAndTheOtherNotifierIsNotDelayed() throws Exception {
        int hookPort = freePort(); // nothing listens here during the first part of the outage
        int metricsPort = freePort();
        HttpServer chatServer = receiver(freePort(), "/services/T0/B0/x", ex -> {
            chat.add(new Arrival(System.nanoTime(), body(ex)));
            reply(ex, 200, "ok");
        });
        Path conf = config(hookPort, chatServer.getAddress().getPort(), metricsPort);
        long outageStart = System.nanoTime();

        Process agent = start(conf);
        writeEpisode(1);
        writeEpisode(2);
        await(Duration.ofSeconds(40), "the healthy Slack receiver gets episodes 1 and 2", () -> distinct(chat).size() == 4);
        await(Duration.ofSeconds(10), "outbox depth 4 for the webhook", () -> metric(metricsPort, "flowwatch_outbox_depth", "hook") == 4);
        assertThat(metric(metricsPort, "flowwatch_outbox_depth", "chat")).isZero();
        assertThat(metric(metricsPort, "flowwatch_notifications_retried_total", "hook")).as("connection refused is retried").isPositive();

        // SIGKILL in the middle of the outage: what is queued is on disk only.
        agent.destroyForcibly();
        assertThat(agent.waitFor(10, TimeUnit.SECONDS)).isTrue();
        agent = start(conf);
        writeEpisode(3);
        await(Duration.ofSeconds(40), "the Slack receiver gets episode 3 after the restart", () -> distinct(chat).size() == 6);
        await(Duration.ofSeconds(10), "the restarted agent queues episode 3 too", () -> metric(metricsPort, "flowwatch_outbox_depth", "hook") >= 6);

        sleepUntil(outageStart + CLOSED.toNanos());
        // Second half: the receiver is back on the network but answers 503 to everything.
        receiver(hookPort, "/hook", ex -> {
            String body = body(ex);
            if (hookAnswers503) {
                hookRefusals.add(System.nanoTime());
                reply(ex, 503, "upstream unavailable");
            } else {
                hook.add(new Arrival(System.nanoTime(), body));
                reply(ex, 204, null);
            }
        });
        writeEpisode(4);
        await(Duration.ofSeconds(40), "the Slack receiver gets episode 4 while the webhook answers 503", () -> distinct(chat).size() == 8);
        await(Duration.ofSeconds(20), "the webhook is tried and refuses", () -> !hookRefusals.isEmpty());
        assertThat(metric(metricsPort, "flowwatch_outbox_depth", "hook")).as("nothing delivered during the outage").isGreaterThanOrEqualTo(8);
        assertThat(hook).isEmpty();
        long slackDoneBy = chat.get(chat.size() - 1).nanos();

        sleepUntil(outageStart + CLOSED.toNanos() + UNAVAILABLE.toNanos());
        long back = System.nanoTime();
        hookAnswers503 = false;
        // retry-max is 2 s: the queue moves again within a few seconds of the receiver's return.
        await(Duration.ofSeconds(30), "every queued notification reaches the webhook", () -> distinct(hook).size() == 8);
        await(Duration.ofSeconds(10), "outbox depth back to 0", () -> metric(metricsPort, "flowwatch_outbox_depth", "hook") == 0);
        assertThat(agent.isAlive()).as("stderr:%n%s", stderr()).isTrue();

        // In order and complete: per episode firing before resolved, episodes in the order they happened,
        // the same sequence on both notifiers. Re-deliveries after the kill repeat an id, never reorder it.
        List<String> expected = distinct(chat);
        assertThat(expected).hasSize(8);
        for (int i = 0; i < 8; i += 2) {
            assertThat(expected.get(i)).endsWith(" firing");
            assertThat(expected.get(i + 1)).isEqualTo(expected.get(i).replace(" firing", " resolved"));
        }
        assertThat(distinct(hook)).as("webhook order").containsExactlyElementsOf(expected);
        assertThat(hook.get(0).nanos() - back).as("first delivery after the receiver came back")
                .isLessThan(Duration.ofSeconds(10).toNanos());
        assertThat(slackDoneBy).as("the healthy notifier had everything before the outage ended").isLessThan(back);
        assertThat(stderr()).contains("notifier hook: delivery failed").contains("notifier hook: delivering again after");

        agent.destroy();
        assertThat(agent.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(agent.exitValue()).isZero();
    }

    /** Alert id + state per distinct notification, in first-arrival order; Slack carries the id in its context block. */
    static List<String> distinct(List<Arrival> arrivals) {
        LinkedHashSet<String> seen = new LinkedHashSet<>();
        Pattern slackId = Pattern.compile("alert ([0-9a-f]{8,})");
        for (Arrival a : arrivals) {
            Matcher m = ID.matcher(a.body());
            String id;
            String state;
            if (m.find()) {
                id = m.group(1);
                state = a.body().contains("\"state\":\"firing\"") ? "firing" : "resolved";
            } else {
                Matcher s = slackId.matcher(a.body());
                if (!s.find()) {
                    throw new AssertionError("no alert id in " + a.body());
                }
                id = s.group(1);
                state = a.body().contains("\"text\":\"FIRING") ? "firing" : "resolved";
            }
            seen.add(id + " " + state);
        }
        return new ArrayList<>(seen);
    }

    /** One episode: 150 rejected SSH attempts from a distinct attacker, then later traffic that closes the window. */
    void writeEpisode(int n) throws IOException {
        long from = T0 + (n - 1) * 1800L;
        Path obj = dir.resolve("flowlogs/AWSLogs/123456789012/vpcflowlogs/eu-west-1/2025/11/24/ep" + n + "_20251124T12" + (10 + n) + "Z.log.gz");
        Files.createDirectories(obj.getParent());
        StringBuilder sb = new StringBuilder("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n");
        for (int i = 0; i < 150; i++) {
            sb.append("2 123456789012 eni-0a1 185.220.101.").append(n).append(" 10.0.3.7 ").append(40000 + i)
                    .append(" 22 6 1 60 ").append(from + i).append(' ').append(from + i + 1).append(" REJECT OK\n");
        }
        long last = from + 1300;
        sb.append("2 123456789012 eni-0a2 10.0.1.5 52.95.128.179 1 443 6 1 40 ").append(last).append(' ').append(last + 60).append(" ACCEPT OK\n");
        Path tmp = obj.resolveSibling("." + obj.getFileName() + ".part");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(tmp))) {
            out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        }
        Files.move(tmp, obj); // the source never sees half an object
    }

    Path config(int hookPort, int chatPort, int metricsPort) throws IOException {
        Files.writeString(dir.resolve("rules.conf"), """
                rules = [
                  { name = ssh-brute-force, type = frequency, severity = high
                    match { action = REJECT, dstport = 22 }
                    group-by = [srcaddr], window = 5m, threshold = 100, notify = [hook, chat] }
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
                  notifiers {
                    hook { type = webhook, url = "http://127.0.0.1:%d/hook"
                           delivery { retry-initial = 200ms, retry-max = 2s } }
                    chat { type = slack, webhook-url = "http://127.0.0.1:%d/services/T0/B0/x"
                           delivery { retry-initial = 200ms, retry-max = 2s } }
                  }
                }
                """.formatted(dir.resolve("state"), TestPlugins.dir(), metricsPort, dir.resolve("flowlogs"), hookPort, chatPort));
        return conf;
    }

    Process start(Path conf) throws IOException {
        List<String> cmd = List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-Dlogback.configurationFile=" + AgentProcessTest.productionLogback(),
                "io.flowwatch.runtime.Main", "run", "--config", conf.toString());
        Process p = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("stdout.txt").toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("stderr.txt").toFile()))
                .start();
        agents.add(p);
        return p;
    }

    String stderr() throws IOException {
        Path f = dir.resolve("stderr.txt");
        return Files.exists(f) ? Files.readString(f) : "";
    }

    interface Handler {
        void handle(com.sun.net.httpserver.HttpExchange ex) throws IOException;
    }

    HttpServer receiver(int port, String path, Handler h) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        s.createContext(path, ex -> {
            try (ex) {
                h.handle(ex);
            }
        });
        s.start();
        servers.add(s);
        return s;
    }

    static String body(com.sun.net.httpserver.HttpExchange ex) throws IOException {
        return new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    }

    static void reply(com.sun.net.httpserver.HttpExchange ex, int status, String text) throws IOException {
        if (text == null) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A labelled sample from the agent's /metrics; -1 when the agent does not answer (yet). */
    static double metric(int port, String name, String notifier) {
        return metric(port, name, "notifier", notifier);
    }

    /** A sample with one label from the agent's /metrics; 0 when absent, -1 when the agent does not answer (yet). */
    static double metric(int port, String name, String label, String value) {
        try {
            HttpResponse<String> r = get(port, "/metrics");
            Matcher m = Pattern.compile("(?m)^" + name + "\\{" + label + "=\"" + Pattern.quote(value) + "\",?\\} (\\S+)$").matcher(r.body());
            return m.find() ? Double.parseDouble(m.group(1)) : 0;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static void sleepUntil(long nanos) throws InterruptedException {
        long left = nanos - System.nanoTime();
        if (left > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    static void await(Duration timeout, String what, AgentProcessTest.Check check) throws Exception {
        AgentProcessTest.await(timeout, what, check);
    }
}
