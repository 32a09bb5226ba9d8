package io.flowwatch.plugin.simulator;

/**
 * Realtime pacing arithmetic: which record is due at a clock reading. Anchored when the source
 * opens (at the record it resumes from), so a restart continues the simulated timeline where it
 * stopped instead of bursting to catch up with the time the agent was down. Pure arithmetic on
 * clock readings, so tests drive it with any clock.
 */
final class Pacer {

    private final double recordsPerMilli;
    private long anchorMillis;
    private long anchorIndex;

    /** @param recordsPerSecond wall-clock records per second: rate * speed */
    Pacer(double recordsPerSecond) {
        this.recordsPerMilli = recordsPerSecond / 1000.0;
    }

    void anchor(long nowMillis, long index) {
        this.anchorMillis = nowMillis;
        this.anchorIndex = index;
    }

    /** How many records (counting from 0) should have been handed over at {@code nowMillis}. */
    long due(long nowMillis) {
        long elapsed = nowMillis - anchorMillis;
        if (elapsed <= 0) {
            return anchorIndex; // a clock stepped back waits for the timeline to catch up
        }
        double more = Math.floor(elapsed * recordsPerMilli);
        return more >= Long.MAX_VALUE - anchorIndex ? Long.MAX_VALUE : anchorIndex + (long) more;
    }

    /** Milliseconds from {@code nowMillis} until {@code due} reaches {@code count}; 0 when it already has. */
    long millisUntil(long count, long nowMillis) {
        if (due(nowMillis) >= count) {
            return 0;
        }
        long at = anchorMillis + (long) Math.ceil((count - anchorIndex) / recordsPerMilli);
        return Math.max(1, at - nowMillis);
    }
}
