package io.flowwatch.api.notify;

import java.time.Duration;
import java.util.Objects;

/**
 * The outcome of one delivery attempt, which decides what the runtime's dispatcher does next.
 *
 * @param retryAfter for {@link Outcome#RETRY}: the receiver's own wait hint (Retry-After,
 *                   throttling), or null to use the dispatcher's exponential backoff
 */
public record DeliveryResult(Outcome outcome, Duration retryAfter, String detail) {

    public enum Outcome {
        /** Accepted by the receiver. */
        DELIVERED,
        /** Failed in a way that may pass later (network, 5xx, 429): try again. */
        RETRY,
        /** Will never pass (4xx other than 429, rejected address): give up, log and count. */
        PERMANENT_FAILURE
    }

    public DeliveryResult {
        Objects.requireNonNull(outcome, "outcome");
        detail = detail == null ? "" : detail;
    }

    public static DeliveryResult delivered() {
        return new DeliveryResult(Outcome.DELIVERED, null, "");
    }

    public static DeliveryResult retry(String detail, Duration retryAfter) {
        return new DeliveryResult(Outcome.RETRY, retryAfter, detail);
    }

    public static DeliveryResult permanentFailure(String detail) {
        return new DeliveryResult(Outcome.PERMANENT_FAILURE, null, detail);
    }
}
