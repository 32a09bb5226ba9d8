package io.flowwatch.runtime.pipeline;

import org.slf4j.Logger;

import java.time.Clock;

/**
 * Logs per-record problems at a bounded rate: the first {@code burst} in each minute, then one
 * line saying how many were suppressed. A flood of bad lines must not flood the journal.
 */
final class RateLimitedLog {

    private final Logger log;
    private final Clock clock;
    private final int burst;
    private long windowStart;
    private int inWindow;
    private long suppressed;

    RateLimitedLog(Logger log, Clock clock, int burst) {
        this.log = log;
        this.clock = clock;
        this.burst = burst;
    }

    void warn(String format, Object... args) {
        long now = clock.millis();
        if (now - windowStart >= 60_000) {
            if (suppressed > 0) {
                log.warn("{} more similar messages suppressed in the last minute", suppressed);
            }
            windowStart = now;
            inWindow = 0;
            suppressed = 0;
        }
        if (inWindow < burst) {
            inWindow++;
            log.warn(format, args);
        } else {
            suppressed++;
        }
    }
}
