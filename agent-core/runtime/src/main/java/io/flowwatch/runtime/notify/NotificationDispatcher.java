package io.flowwatch.runtime.notify;

import io.flowwatch.api.notify.Alert;
import io.flowwatch.api.notify.Notifier;
import io.flowwatch.runtime.alert.RecentAlerts;
import io.flowwatch.runtime.metrics.AgentMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hands alerts to the outboxes of the notifiers their rule names. {@link #dispatch} returns once
 * every notification is on disk, so the caller may then commit its source position: a crash after
 * that loses nothing, and the outbox workers deliver in the background, each at its own pace.
 */
public final class NotificationDispatcher {

    private static final Logger log = LoggerFactory.getLogger(NotificationDispatcher.class);
    private static final Duration LONGEST_DISK_WAIT = Duration.ofSeconds(30);

    /** An alert and the notifier names it goes to. */
    public record Routed(Alert alert, List<String> notifiers) {
    }

    private final Map<String, Notifier> notifiers;
    private final Map<String, Outbox> outboxes = new LinkedHashMap<>();
    private final RecentAlerts recent;

    /**
     * @param outboxDir where each notifier's queue lives ({@code <outboxDir>/<notifier>/})
     */
    public NotificationDispatcher(Map<String, Notifier> notifiers, Map<String, DeliverySettings> settings, Path outboxDir,
                                  AgentMetrics metrics) {
        this(notifiers, settings, outboxDir, metrics, null);
    }

    /**
     * @param recent where every dispatched alert is also shown (the status page), or null
     */
    public NotificationDispatcher(Map<String, Notifier> notifiers, Map<String, DeliverySettings> settings, Path outboxDir,
                                  AgentMetrics metrics, RecentAlerts recent) {
        this.notifiers = Map.copyOf(notifiers);
        this.recent = recent;
        for (Map.Entry<String, Notifier> e : notifiers.entrySet()) {
            String dir = e.getKey().replaceAll("[^A-Za-z0-9._-]", "_");
            outboxes.put(e.getKey(), new Outbox(e.getKey(), e.getValue(),
                    settings.getOrDefault(e.getKey(), DeliverySettings.DEFAULTS), outboxDir.resolve(dir), metrics));
        }
    }

    /** Loads what earlier runs left in the outboxes and starts delivering. */
    public void start() throws IOException {
        for (Outbox o : outboxes.values()) {
            o.start();
        }
    }

    /**
     * Stores every notification durably. When state-dir cannot be written (disk full), waits and
     * tries again rather than lose the alerts, which holds this source back until space returns.
     */
    public void dispatch(List<Routed> alerts) {
        for (Routed r : alerts) {
            if (recent != null) {
                // Every alert, also those of rules that notify no one: the status page is where they show.
                recent.add(r.alert());
            }
            for (String name : r.notifiers()) {
                Outbox o = outboxes.get(name);
                if (o == null) {
                    continue;
                }
                Duration wait = Duration.ofMillis(500);
                while (true) {
                    try {
                        o.enqueue(r.alert());
                        break;
                    } catch (IOException e) {
                        log.error("notifier {}: cannot store alert {} ({} {}): {}; the source waits and retries in {} ms,"
                                + " nothing is dropped", name, r.alert().id(), r.alert().rule(), r.alert().state().wireName(),
                                e.getMessage(), wait.toMillis());
                        try {
                            Thread.sleep(wait.toMillis());
                        } catch (InterruptedException ie) {
                            Thread.currentThread().interrupt();
                            log.error("notifier {}: alert {} ({}) lost: interrupted while the outbox could not be written",
                                    name, r.alert().id(), r.alert().rule());
                            break;
                        }
                        wait = wait.multipliedBy(2).compareTo(LONGEST_DISK_WAIT) > 0 ? LONGEST_DISK_WAIT : wait.multipliedBy(2);
                    }
                }
            }
        }
    }

    /** The configured notifier names, in config order. */
    public List<String> names() {
        return List.copyOf(outboxes.keySet());
    }

    /** Notifications waiting for one notifier. */
    public int depth(String notifier) {
        Outbox o = outboxes.get(notifier);
        return o == null ? 0 : o.depth();
    }

    /** Delivers what it can within {@code deadline} (shared by all notifiers), then closes the notifiers. */
    public void close(Duration deadline) {
        long end = System.nanoTime() + deadline.toNanos();
        // Drain in parallel: one slow receiver must not eat the others' share of the deadline.
        List<Thread> drains = outboxes.values().stream().map(o -> {
            Thread t = new Thread(() -> o.drainAndStop(Duration.ofNanos(Math.max(0, end - System.nanoTime()))), "drain");
            t.start();
            return t;
        }).toList();
        for (Thread t : drains) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Map.Entry<String, Notifier> e : notifiers.entrySet()) {
            try {
                e.getValue().close();
            } catch (RuntimeException ex) {
                log.warn("notifier {}: close failed: {}", e.getKey(), ex.toString());
            }
        }
    }
}
