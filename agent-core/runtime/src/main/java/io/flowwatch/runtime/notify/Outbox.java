package io.flowwatch.runtime.notify;

import io.flowwatch.api.notify.Alert;
import io.flowwatch.api.notify.DeliveryResult;
import io.flowwatch.api.notify.Notifier;
import io.flowwatch.runtime.metrics.AgentMetrics;
import io.flowwatch.runtime.state.AtomicFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The durable queue of one notifier and the worker that empties it, in order.
 *
 * <p>{@link #enqueue} writes the alert to {@code <dir>/<seq>.json} (write, fsync, rename, fsync the
 * directory) before it returns, so a source commits its position only after the notification is
 * on disk: after a crash or {@code kill -9} the next start delivers what was left. The worker
 * tries the oldest entry until the notifier accepts it ({@code DELIVERED}) or refuses it for good
 * ({@code PERMANENT_FAILURE}); between failed attempts it waits with exponential backoff and
 * jitter, or as long as the receiver asked (Retry-After). A token bucket keeps to the notifier's
 * rate limit (bursts up to one second's worth). A notifier that is down holds up only its own queue. Beyond {@code max-queued} the
 * oldest waiting entries are dropped, counted and logged.
 */
public final class Outbox {

    private static final Logger log = LoggerFactory.getLogger(Outbox.class);
    private static final Duration LONGEST_RETRY_AFTER = Duration.ofHours(1);

    private record Entry(long seq, Path file, Alert alert) {
    }

    private final String name;
    private final Notifier notifier;
    private final DeliverySettings settings;
    private final Path dir;
    private final AgentMetrics metrics;
    private final Deque<Entry> queue = new ArrayDeque<>();
    private final Object lock = new Object();
    private Entry inFlight;
    private long nextSeq;
    private boolean stopping;
    private long drainDeadlineNanos = Long.MAX_VALUE;
    private Thread worker;
    // Token bucket: refills at perMinute/60 per second and holds one second's worth (at least one),
    // so a burst of alerts is spread out instead of hitting the receiver's own limit at once.
    private final double bucketSize;
    private double tokens;
    private long tokensAtNanos = System.nanoTime();

    public Outbox(String name, Notifier notifier, DeliverySettings settings, Path dir, AgentMetrics metrics) {
        this.name = name;
        this.notifier = notifier;
        this.settings = settings;
        this.dir = dir;
        this.metrics = metrics;
        this.bucketSize = Math.max(1, settings.perMinute() / 60.0);
        this.tokens = bucketSize;
    }

    /** Reads what an earlier run left undelivered, then starts the worker thread. */
    public void start() throws IOException {
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String f = p.getFileName().toString();
                if (f.matches("\\d{20}\\.json")) {
                    files.add(p);
                } else if (f.startsWith(".") && f.endsWith(".tmp")) {
                    Files.deleteIfExists(p); // a write cut short by a crash: never acknowledged to anyone
                }
            }
        }
        files.sort(null);
        synchronized (lock) {
            for (Path p : files) {
                long seq = Long.parseLong(p.getFileName().toString().substring(0, 20));
                try {
                    queue.add(new Entry(seq, p, AlertJson.fromJson(Files.readString(p, StandardCharsets.UTF_8))));
                } catch (IOException e) {
                    Path aside = p.resolveSibling(p.getFileName() + ".corrupt");
                    Files.move(p, aside, StandardCopyOption.REPLACE_EXISTING);
                    metrics.notificationsDropped.labels(name).inc();
                    log.error("notifier {}: outbox entry {} is unreadable ({}); moved to {}", name, p, e.getMessage(), aside);
                }
                nextSeq = Math.max(nextSeq, seq + 1);
            }
            metrics.outboxDepth.labels(name).set(queue.size());
        }
        if (!queue.isEmpty()) {
            log.info("notifier {}: {} notification(s) left from the last run will be delivered", name, queue.size());
        }
        worker = new Thread(this::work, "notifier-" + name);
        worker.setDaemon(true);
        worker.start();
    }

    /** Stores the alert durably for this notifier; returns once it is on disk. */
    public void enqueue(Alert alert) throws IOException {
        byte[] json = AlertJson.toJson(alert).getBytes(StandardCharsets.UTF_8);
        synchronized (lock) {
            long seq = nextSeq++;
            Path file = dir.resolve(String.format("%020d.json", seq));
            try {
                AtomicFiles.write(file, json);
            } catch (IOException e) {
                nextSeq--; // nothing was stored under it: the retry takes the same name, the queue keeps its order
                metrics.stateWriteFailures.labels("outbox").inc();
                throw new IOException("state-dir: cannot write outbox entry " + file + ": "
                        + io.flowwatch.runtime.state.StateDir.reason(e), e);
            }
            queue.addLast(new Entry(seq, file, alert));
            while (queue.size() > settings.maxQueued()) {
                dropOldestWaiting();
            }
            metrics.outboxDepth.labels(name).set(queue.size());
            lock.notifyAll();
        }
    }

    private void dropOldestWaiting() {
        Entry victim = queue.peekFirst() == inFlight && queue.size() > 1 ? secondOf(queue) : queue.peekFirst();
        queue.remove(victim);
        delete(victim);
        metrics.notificationsDropped.labels(name).inc();
        log.error("notifier {}: outbox full ({} waiting); dropped the oldest, alert {} ({} {})", name, settings.maxQueued(),
                victim.alert().id(), victim.alert().rule(), victim.alert().state().wireName());
    }

    private static Entry secondOf(Deque<Entry> q) {
        var it = q.iterator();
        it.next();
        return it.next();
    }

    /** Notifications waiting, including one being delivered. */
    public int depth() {
        synchronized (lock) {
            return queue.size();
        }
    }

    /**
     * Keeps delivering until the queue is empty or {@code deadline} has passed, then stops the
     * worker. What is left stays on disk for the next start. Returns the number left.
     */
    public int drainAndStop(Duration deadline) {
        synchronized (lock) {
            stopping = true;
            drainDeadlineNanos = System.nanoTime() + deadline.toNanos();
            lock.notifyAll();
        }
        Thread t = worker;
        if (t != null) {
            try {
                t.join(Math.max(1, deadline.toMillis()));
                if (t.isAlive()) {
                    t.interrupt(); // a delivery or wait still in progress: give up on it
                    t.join(1000);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        int left = depth();
        if (left > 0) {
            log.warn("notifier {}: {} notification(s) not delivered before shutdown; they stay in {} for the next start",
                    name, left, dir);
        }
        return left;
    }

    private void work() {
        int failures = 0;
        while (true) {
            Entry e;
            synchronized (lock) {
                while (queue.isEmpty() && !stopping) {
                    waitQuietly(0);
                }
                if (queue.isEmpty() || pastDrainDeadline()) {
                    return;
                }
                e = queue.peekFirst();
                inFlight = e;
            }
            if (!takeToken()) {
                return;
            }
            DeliveryResult r;
            try {
                r = notifier.deliver(e.alert());
            } catch (RuntimeException ex) {
                // A notifier must not throw; if one does, treat it as transient rather than lose the alert.
                r = DeliveryResult.retry("notifier threw " + ex, null);
            }
            switch (r.outcome()) {
                case DELIVERED -> {
                    done(e);
                    metrics.notificationsSent.labels(name).inc();
                    if (failures > 0) {
                        log.info("notifier {}: delivering again after {} failed attempt(s)", name, failures);
                    }
                    failures = 0;
                }
                case PERMANENT_FAILURE -> {
                    done(e);
                    metrics.notificationsFailed.labels(name).inc();
                    log.error("notifier {}: gave up on alert {} ({} {}): {}", name, e.alert().id(), e.alert().rule(),
                            e.alert().state().wireName(), r.detail());
                    failures = 0;
                }
                case RETRY -> {
                    failures++;
                    metrics.notificationsRetried.labels(name).inc();
                    Duration wait = r.retryAfter() != null ? min(r.retryAfter(), LONGEST_RETRY_AFTER) : backoff(failures);
                    if (failures == 1 || failures % 10 == 0) {
                        log.warn("notifier {}: delivery failed ({} attempt(s)), retrying in {} ms: {}", name, failures,
                                wait.toMillis(), r.detail());
                    }
                    if (!pause(wait)) {
                        return;
                    }
                }
            }
        }
    }

    private void done(Entry e) {
        synchronized (lock) {
            queue.remove(e);
            inFlight = null;
            metrics.outboxDepth.labels(name).set(queue.size());
        }
        delete(e);
    }

    private void delete(Entry e) {
        try {
            Files.deleteIfExists(e.file());
        } catch (IOException ex) {
            // Left behind, it would be delivered again after a restart: at-least-once, never lost.
            log.warn("notifier {}: cannot remove delivered outbox entry {}: {}", name, e.file(), ex.toString());
        }
    }

    /** Exponential backoff from retry-initial, capped at retry-max, with jitter in [50%, 100%]. */
    Duration backoff(int failures) {
        long initial = settings.retryInitial().toMillis();
        long max = settings.retryMax().toMillis();
        long exp = failures >= 30 ? max : Math.min(max, initial << (failures - 1));
        long jittered = exp / 2 + ThreadLocalRandom.current().nextLong(exp / 2 + 1);
        return Duration.ofMillis(Math.max(1, jittered));
    }

    private boolean takeToken() {
        while (true) {
            long wait;
            synchronized (lock) {
                long now = System.nanoTime();
                tokens = Math.min(bucketSize, tokens + (now - tokensAtNanos) * settings.perMinute() / 60e9);
                tokensAtNanos = now;
                if (tokens >= 1) {
                    tokens -= 1;
                    return true;
                }
                wait = (long) Math.ceil((1 - tokens) * 60e3 / settings.perMinute());
            }
            if (!pause(Duration.ofMillis(wait))) {
                return false;
            }
        }
    }

    /** Waits, unless stopped; false when the worker should end (stopped past its deadline, or interrupted). */
    private boolean pause(Duration d) {
        long end = System.nanoTime() + d.toNanos();
        synchronized (lock) {
            while (true) {
                if (pastDrainDeadline()) {
                    return false;
                }
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return true;
                }
                if (stopping) {
                    left = Math.min(left, drainDeadlineNanos - System.nanoTime());
                }
                if (!waitQuietly(Math.max(1, left / 1_000_000))) {
                    return false;
                }
            }
        }
    }

    private boolean pastDrainDeadline() {
        return stopping && System.nanoTime() >= drainDeadlineNanos;
    }

    /** lock.wait; false when interrupted. Caller holds the lock. */
    private boolean waitQuietly(long millis) {
        try {
            lock.wait(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping = true;
            drainDeadlineNanos = System.nanoTime();
            return false;
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
