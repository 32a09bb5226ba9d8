package io.flowwatch.runtime.notify;

import com.typesafe.config.Config;
import io.flowwatch.api.FlowwatchException.Problem;
import io.flowwatch.api.config.ConfigReader;

import java.time.Duration;
import java.util.List;

/**
 * How the runtime delivers to one notifier: its {@code delivery} block (defaults in the runtime's
 * reference.conf under {@code flowwatch.notifier-delivery}).
 *
 * @param perMinute    most deliveries per minute (a token bucket holding as many)
 * @param maxQueued    most notifications waiting in the outbox; beyond it the oldest are dropped
 * @param retryInitial first wait after a failed attempt; doubled per failure, with jitter
 * @param retryMax     longest wait between attempts (a receiver's Retry-After may ask for longer)
 */
public record DeliverySettings(int perMinute, int maxQueued, Duration retryInitial, Duration retryMax) {

    public static final DeliverySettings DEFAULTS = new DeliverySettings(60, 10_000, Duration.ofSeconds(1), Duration.ofMinutes(5));

    /** Reads {@code block.delivery}; problems go to {@code problems}. */
    public static DeliverySettings from(Config block, String path, List<Problem> problems) {
        if (!block.hasPath("delivery")) {
            return DEFAULTS;
        }
        ConfigReader r = new ConfigReader(block.getConfig("delivery"), path + ".delivery");
        int perMinute = r.has("rate-limit") ? r.integer("rate-limit", 1, 1_000_000) : DEFAULTS.perMinute();
        int maxQueued = r.has("max-queued") ? r.integer("max-queued", 1, 10_000_000) : DEFAULTS.maxQueued();
        Duration initial = r.has("retry-initial") ? r.duration("retry-initial") : DEFAULTS.retryInitial();
        Duration max = r.has("retry-max") ? r.duration("retry-max") : DEFAULTS.retryMax();
        problems.addAll(r.problems());
        if (r.problems().isEmpty() && (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0)) {
            problems.add(new Problem(r.originOf("retry-max"), path + ".delivery.retry-max",
                    "expected retry-initial > 0 and retry-max >= retry-initial"));
        }
        return new DeliverySettings(perMinute, maxQueued, initial == null ? DEFAULTS.retryInitial() : initial,
                max == null ? DEFAULTS.retryMax() : max);
    }
}
