package io.flowwatch.runtime.notify;

import io.flowwatch.api.notify.Alert;
import io.flowwatch.api.notify.DeliveryResult;
import io.flowwatch.api.notify.Notifier;
import io.flowwatch.api.rule.Severity;
import io.flowwatch.runtime.metrics.AgentMetrics;
import io.prometheus.client.CollectorRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class OutboxTest {

    @TempDir
    Path dir;

    final CollectorRegistry registry = new CollectorRegistry();
    final AgentMetrics metrics = new AgentMetrics(registry, false);
    final List<Outbox> started = new ArrayList<>();

    static final DeliverySettings FAST = new DeliverySettings(6_000_000, 1000, Duration.ofMillis(10), Duration.ofMillis(40));

    /** A receiver whose answer per attempt is scripted; it records what it accepted and when it was asked. */
    static final class Receiver implements Notifier {
        final List<String> delivered = Collections.synchronizedList(new ArrayList<>());
        final ConcurrentLinkedQueue<Long> attempts = new ConcurrentLinkedQueue<>();
        volatile Function<Alert, DeliveryResult> answer = a -> DeliveryResult.delivered();

        @Override
        public DeliveryResult deliver(Alert alert) {
            attempts.add(System.nanoTime());
            DeliveryResult r = answer.apply(alert);
            if (r.outcome() == DeliveryResult.Outcome.DELIVERED) {
                delivered.add(alert.id());
            }
            return r;
        }
    }

    static Alert alert(String id) {
        return new Alert(id, "ssh", Severity.HIGH, Alert.State.FIRING, Map.of("srcaddr", "192.0.2.1"), 150, 100,
                Instant.parse("2025-11-24T16:00:00Z"), null, "192.0.2.1 matched ssh 150 times", "", List.of());
    }

    Outbox outbox(String name, Receiver r, DeliverySettings s) throws Exception {
        Outbox o = new Outbox(name, r, s, dir.resolve(name), metrics);
        o.start();
        started.add(o);
        return o;
    }

    double metric(String name, String notifier) {
        Double v = registry.getSampleValue(name, new String[]{"notifier"}, new String[]{notifier});
        return v == null ? 0 : v;
    }

    static void await(String what, java.util.function.BooleanSupplier ok) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    @AfterEach
    void stop() {
        started.forEach(o -> o.drainAndStop(Duration.ZERO));
    }

    long filesIn(String name) throws Exception {
        try (Stream<Path> s = Files.list(dir.resolve(name))) {
            return s.filter(p -> p.toString().endsWith(".json")).count();
        }
    }

    @Test
    void retriesUntilTheReceiverAcceptsAndKeepsOrder() throws Exception {
        Receiver r = new Receiver();
        int[] failuresLeft = {3};
        r.answer = a -> a.id().equals("a1") && failuresLeft[0]-- > 0 ? DeliveryResult.retry("HTTP 503", null) : DeliveryResult.delivered();
        Outbox o = outbox("hook", r, FAST);
        o.enqueue(alert("a1"));
        o.enqueue(alert("a2"));
        o.enqueue(alert("a3"));
        await("all three", () -> r.delivered.size() == 3);
        assertThat(r.delivered).containsExactly("a1", "a2", "a3");
        // The receiver sees the third alert a moment before the worker counts it.
        await("sent counted", () -> metric("flowwatch_notifications_sent_total", "hook") == 3);
        assertThat(metric("flowwatch_notifications_retried_total", "hook")).isEqualTo(3);
        await("empty outbox dir", () -> {
            try {
                return filesIn("hook") == 0;
            } catch (Exception e) {
                return false;
            }
        });
        assertThat(metric("flowwatch_outbox_depth", "hook")).isZero();
    }

    @Test
    void aPermanentFailureIsCountedAndDroppedAndTheNextGoesOn() throws Exception {
        Receiver r = new Receiver();
        r.answer = a -> a.id().equals("bad") ? DeliveryResult.permanentFailure("HTTP 404") : DeliveryResult.delivered();
        Outbox o = outbox("hook", r, FAST);
        o.enqueue(alert("bad"));
        o.enqueue(alert("good"));
        await("good", () -> r.delivered.contains("good"));
        assertThat(r.attempts).hasSize(2);
        assertThat(metric("flowwatch_notifications_failed_total", "hook")).isEqualTo(1);
    }

    @Test
    void aReceiverThatIsDownDelaysOnlyItself() throws Exception {
        Receiver down = new Receiver();
        down.answer = a -> DeliveryResult.retry("connection refused", null);
        Receiver up = new Receiver();
        Outbox slow = outbox("pager", down, FAST);
        Outbox fast = outbox("chat", up, FAST);
        for (int i = 0; i < 5; i++) {
            slow.enqueue(alert("x" + i));
            fast.enqueue(alert("x" + i));
        }
        await("chat gets all", () -> up.delivered.size() == 5);
        assertThat(down.delivered).isEmpty();
        assertThat(slow.depth()).isEqualTo(5);
        // Back up: everything queued arrives, in order.
        down.answer = a -> DeliveryResult.delivered();
        await("pager catches up", () -> down.delivered.size() == 5);
        assertThat(down.delivered).containsExactly("x0", "x1", "x2", "x3", "x4");
    }

    @Test
    void retryAfterIsHonoured() throws Exception {
        Receiver r = new Receiver();
        int[] n = {0};
        r.answer = a -> n[0]++ == 0 ? DeliveryResult.retry("HTTP 429", Duration.ofMillis(400)) : DeliveryResult.delivered();
        Outbox o = outbox("hook", r, FAST);
        o.enqueue(alert("a"));
        await("delivered", () -> r.delivered.size() == 1);
        List<Long> t = new ArrayList<>(r.attempts);
        assertThat(Duration.ofNanos(t.get(1) - t.get(0))).isGreaterThanOrEqualTo(Duration.ofMillis(390));
    }

    @Test
    void backoffGrowsExponentiallyWithJitterUpToTheMaximum() {
        Outbox o = new Outbox("x", new Receiver(), new DeliverySettings(60, 10, Duration.ofSeconds(1), Duration.ofSeconds(30)),
                dir.resolve("x"), metrics);
        for (int i = 0; i < 50; i++) {
            assertThat(o.backoff(1)).isBetween(Duration.ofMillis(500), Duration.ofSeconds(1));
            assertThat(o.backoff(4)).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(8));
            assertThat(o.backoff(40)).isBetween(Duration.ofSeconds(15), Duration.ofSeconds(30));
        }
    }

    @Test
    void theRateLimitSpacesDeliveries() throws Exception {
        Receiver r = new Receiver();
        // 600 per minute: a burst of 10, then one every 100 ms.
        Outbox o = outbox("hook", r, new DeliverySettings(600, 100, Duration.ofMillis(10), Duration.ofMillis(10)));
        for (int i = 0; i < 30; i++) {
            o.enqueue(alert("a" + i));
        }
        await("all", () -> r.delivered.size() == 30);
        List<Long> t = new ArrayList<>(r.attempts);
        assertThat(Duration.ofNanos(t.get(29) - t.get(0))).isGreaterThanOrEqualTo(Duration.ofMillis(1800));
    }

    @Test
    void whenFullTheOldestAreDroppedAndCounted() throws Exception {
        Receiver r = new Receiver();
        r.answer = a -> DeliveryResult.retry("down", null);
        Outbox o = outbox("hook", r, new DeliverySettings(600_000, 3, Duration.ofSeconds(10), Duration.ofSeconds(10)));
        o.enqueue(alert("a0"));
        // a0 in flight first (its delivery is being retried), so what overflows is decided, not raced.
        await("a0 in flight", () -> !r.attempts.isEmpty());
        for (int i = 1; i < 6; i++) {
            o.enqueue(alert("a" + i));
        }
        assertThat(o.depth()).isEqualTo(3);
        assertThat(metric("flowwatch_notifications_dropped_total", "hook")).isEqualTo(3);
        assertThat(filesIn("hook")).isEqualTo(3);
        r.answer = a -> DeliveryResult.delivered();
        o.drainAndStop(Duration.ZERO);
        // a0 was in flight when the queue overflowed, so a1..a3 went; a0, a4, a5 remain, in order.
        Outbox again = outbox("hook", r, FAST);
        await("rest", () -> r.delivered.size() == 3);
        assertThat(r.delivered).containsExactly("a0", "a4", "a5");
    }

    @Test
    void whatWasNotDeliveredBeforeACrashIsDeliveredAfterRestart() throws Exception {
        Receiver down = new Receiver();
        down.answer = a -> DeliveryResult.retry("down", null);
        Outbox first = outbox("hook", down, FAST);
        first.enqueue(alert("a1"));
        first.enqueue(alert("a2"));
        // A crash: the worker never finishes, nothing is cleaned up. A torn temp file is left too.
        Files.writeString(dir.resolve("hook/.00000000000000000009.json.tmp"), "{\"id\":");
        Receiver up = new Receiver();
        Outbox second = new Outbox("hook", up, FAST, dir.resolve("hook"), metrics);
        first.drainAndStop(Duration.ZERO);
        second.start();
        started.add(second);
        await("both", () -> up.delivered.size() == 2);
        assertThat(up.delivered).containsExactly("a1", "a2");
        assertThat(dir.resolve("hook/.00000000000000000009.json.tmp")).doesNotExist();
    }

    @Test
    void anUnreadableEntryIsMovedAsideCountedAndTheRestDelivered() throws Exception {
        Files.createDirectories(dir.resolve("hook"));
        Files.writeString(dir.resolve("hook/00000000000000000001.json"), "garbage");
        Files.writeString(dir.resolve("hook/00000000000000000002.json"), AlertJson.toJson(alert("ok")));
        Receiver r = new Receiver();
        outbox("hook", r, FAST);
        await("ok", () -> r.delivered.size() == 1);
        assertThat(dir.resolve("hook/00000000000000000001.json.corrupt")).exists();
        assertThat(metric("flowwatch_notifications_dropped_total", "hook")).isEqualTo(1);
    }

    @Test
    void alertsSurviveTheRoundTripThroughTheirStoredForm() throws Exception {
        Alert a = new Alert("id1", "exfil", Severity.CRITICAL, Alert.State.RESOLVED, Map.of("srcaddr", "10.0.0.1"), 6.5e9, 5e9,
                Instant.parse("2025-11-24T16:00:00Z"), Instant.parse("2025-11-24T16:10:00Z"), "s", "d",
                List.of(Map.of("srcaddr", "10.0.0.1", "bytes", 1000000000L)));
        assertThat(AlertJson.fromJson(AlertJson.toJson(a))).isEqualTo(a);
    }
}
