package io.flowwatch.runtime.notify;

import io.flowwatch.api.notify.Alert;
import io.flowwatch.api.notify.DeliveryResult;
import io.flowwatch.api.notify.Notifier;
import io.flowwatch.runtime.metrics.AgentMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;

/**
 * Hands alerts to the notifiers their rule names. Delivery here is direct and happens before the
 * source position is committed, which keeps at-least-once; the durable outbox with per-notifier
 * workers and backoff replaces this in the notification issue without changing callers.
 */
public final class NotificationDispatcher {

    private static final Logger log = LoggerFactory.getLogger(NotificationDispatcher.class);

    /** An alert and the notifier names it goes to. */
    public record Routed(Alert alert, List<String> notifiers) {
    }

    private final Map<String, Notifier> notifiers;
    private final AgentMetrics metrics;

    public NotificationDispatcher(Map<String, Notifier> notifiers, AgentMetrics metrics) {
        this.notifiers = Map.copyOf(notifiers);
        this.metrics = metrics;
    }

    public void dispatch(List<Routed> alerts) {
        for (Routed r : alerts) {
            for (String name : r.notifiers()) {
                Notifier n = notifiers.get(name);
                if (n == null) {
                    continue;
                }
                DeliveryResult result;
                try {
                    result = n.deliver(r.alert());
                } catch (RuntimeException e) {
                    result = DeliveryResult.retry(e.toString(), null);
                }
                if (result.outcome() == DeliveryResult.Outcome.DELIVERED) {
                    metrics.notificationsSent.labels(name).inc();
                } else {
                    metrics.notificationsFailed.labels(name).inc();
                    log.warn("notifier {}: alert {} ({}) not delivered: {}", name, r.alert().id(), r.alert().rule(), result.detail());
                }
            }
        }
    }

    public void close() {
        for (Map.Entry<String, Notifier> e : notifiers.entrySet()) {
            try {
                e.getValue().close();
            } catch (RuntimeException ex) {
                log.warn("notifier {}: close failed: {}", e.getKey(), ex.toString());
            }
        }
    }
}
