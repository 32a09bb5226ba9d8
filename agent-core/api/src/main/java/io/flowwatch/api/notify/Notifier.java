package io.flowwatch.api.notify;

/**
 * Sends alerts to one receiver (a channel, a mailbox, an endpoint).
 *
 * <p><b>Threads.</b> The runtime calls {@link #deliver} from one worker thread per notifier,
 * one alert at a time, so a slow or dead receiver delays only its own notifier.
 *
 * <p><b>Retries.</b> A notifier makes one attempt per call and reports the outcome; the runtime
 * owns retries, backoff, rate limits and the durable outbox. Alerts may be delivered more than
 * once (after a crash); {@link Alert#id()} lets receivers de-duplicate.
 */
public interface Notifier extends AutoCloseable {

    /** One delivery attempt. Must not throw for receiver failures: return {@link DeliveryResult#retry}. */
    DeliveryResult deliver(Alert alert);

    @Override
    default void close() {
    }
}
