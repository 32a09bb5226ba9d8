package io.flowwatch.plugin.cloudwatch;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

/**
 * When the next FilterLogEvents request may go out: never sooner than {@code 1/requests-per-second}
 * after the previous one (FilterLogEvents has a low per-account quota shared by every caller in the
 * account and region), not before a backoff after a failure has passed, and not before the poll
 * interval after a finished scan. Waiting here can be cut short by {@link #wakeup()} from another
 * thread.
 *
 * <p>Works on a monotonic nanosecond ticker, not the wall clock: pacing must not jump with clock
 * adjustments, and event-time decisions (which use the context's clock) are not made here.
 */
final class RequestPacer {

    private final long intervalNanos;
    private final long backoffMinNanos;
    private final long backoffMaxNanos;
    private final LongSupplier ticker;
    private final Object lock = new Object();
    private long lastRequest;
    private boolean anyRequest;
    private long notBefore;
    private int failures;
    private boolean woken;

    RequestPacer(double requestsPerSecond, Duration backoffMin, Duration backoffMax, LongSupplier ticker) {
        this.intervalNanos = (long) Math.ceil(1e9 / requestsPerSecond);
        this.backoffMinNanos = backoffMin.toNanos();
        this.backoffMaxNanos = backoffMax.toNanos();
        this.ticker = ticker;
        this.notBefore = ticker.getAsLong();
    }

    /**
     * Waits until a request may go out, or at most {@code maxWait}, or until {@link #wakeup()}.
     *
     * @return true when a request may be sent now (and it is counted as sent), false when the wait ended first
     */
    boolean awaitTurn(Duration maxWait) throws InterruptedException {
        long now = ticker.getAsLong();
        long deadline = now + Math.max(0, maxWait.toNanos());
        synchronized (lock) {
            while (true) {
                now = ticker.getAsLong();
                long due = earliest();
                if (now - due >= 0) {
                    woken = false;
                    lastRequest = now;
                    anyRequest = true;
                    return true;
                }
                if (woken || now - deadline >= 0) {
                    woken = false;
                    return false;
                }
                long waitNanos = Math.min(due - now, deadline - now);
                lock.wait(Math.max(1, waitNanos / 1_000_000), 0);
            }
        }
    }

    private long earliest() {
        long due = notBefore;
        if (anyRequest && lastRequest + intervalNanos - due > 0) {
            due = lastRequest + intervalNanos;
        }
        return due;
    }

    /** The next request may go out only {@code pause} from now (the poll interval after a finished scan). */
    void pause(Duration pause) {
        synchronized (lock) {
            notBefore = ticker.getAsLong() + pause.toNanos();
        }
    }

    /** A request succeeded: the failure streak ends. */
    void succeeded() {
        synchronized (lock) {
            failures = 0;
        }
    }

    /**
     * A request failed in a way worth retrying: the next one waits an exponential backoff with full
     * jitter (so agents throttled together do not retry together).
     *
     * @return how long the next request waits, and how many failures in a row this makes
     */
    Backoff failed() {
        synchronized (lock) {
            failures++;
            long cap = backoffMinNanos;
            for (int i = 1; i < failures && cap < backoffMaxNanos; i++) {
                cap = Math.min(backoffMaxNanos, cap * 2);
            }
            // Full jitter, but never less than half the minimum, so a throttled account gets a real pause.
            long wait = backoffMinNanos / 2 + ThreadLocalRandom.current().nextLong(Math.max(1, cap - backoffMinNanos / 2));
            notBefore = ticker.getAsLong() + wait;
            return new Backoff(Duration.ofNanos(wait), failures);
        }
    }

    /** Ends a wait in {@link #awaitTurn} early. Thread-safe. */
    void wakeup() {
        synchronized (lock) {
            woken = true;
            lock.notifyAll();
        }
    }

    /** The wait before the next request after a failure, and the length of the failure streak. */
    record Backoff(Duration delay, int failuresInARow) {
    }
}
