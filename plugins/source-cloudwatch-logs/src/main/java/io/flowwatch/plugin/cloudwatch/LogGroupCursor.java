package io.flowwatch.plugin.cloudwatch;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static io.flowwatch.plugin.cloudwatch.GroupPosition.NONE;

/**
 * Which events of one log group are new. Pure logic, no I/O: the source asks it where the next
 * scan starts ({@link #scanStart}), tells it when a scan begins, and asks for each event whether
 * to deliver it ({@link #accept}).
 *
 * <p>Each scan re-reads from the event-time high-water mark minus {@code overlap}, because
 * CloudWatch delivers events out of order across streams and late (flow logs typically minutes
 * after their timestamps). Events seen in that window are remembered by id and skipped; ids older
 * than the window are forgotten, so memory is bounded by the events of one overlap window. An event
 * that arrives more than {@code overlap} behind the newest event already delivered is never read.
 */
final class LogGroupCursor {

    private final long overlapMillis;
    private final long floor;
    private long hwm = NONE;
    private long ingestion = NONE;
    // From the committed position: older events ingested no later than this were delivered before the restart.
    private final long restoredHwm;
    private final long restoredIngestion;
    /** Event ids delivered, by event timestamp, from the current scan's start on. */
    private final TreeMap<Long, Set<String>> seen = new TreeMap<>();
    private int seenCount;

    /** A cursor that starts fresh at {@code floor} (epoch ms). */
    LogGroupCursor(long floor, long overlapMillis) {
        this(new GroupPosition(floor, NONE, NONE, Set.of()), overlapMillis);
    }

    /** A cursor resuming from a committed position. */
    LogGroupCursor(GroupPosition committed, long overlapMillis) {
        this.overlapMillis = overlapMillis;
        this.floor = committed.floor();
        this.hwm = committed.hwm();
        this.ingestion = committed.ingestion();
        this.restoredHwm = committed.hwm();
        this.restoredIngestion = committed.ingestion();
        if (committed.hasEvents()) {
            seen.put(hwm, new HashSet<>(committed.idsAtHwm()));
            seenCount = committed.idsAtHwm().size();
        }
    }

    /** Where the next scan starts (epoch ms, inclusive): the floor, or the high-water mark minus the overlap. */
    long scanStart() {
        return hwm == NONE ? floor : Math.max(floor, hwm - overlapMillis);
    }

    /** Forgets ids older than the scan about to start at {@code start}: no later scan can return them. */
    void beginScan(long start) {
        Map<Long, Set<String>> old = seen.headMap(start, false);
        for (Set<String> ids : old.values()) {
            seenCount -= ids.size();
        }
        old.clear();
    }

    /**
     * Decides whether an event is new, and if so remembers it as delivered.
     *
     * @return true to deliver, false for an event already delivered (a re-read of the overlap)
     */
    boolean accept(String eventId, long timestamp, long ingestionTime) {
        if (timestamp < floor) {
            return false;
        }
        Set<String> ids = seen.get(timestamp);
        if (ids != null && ids.contains(eventId)) {
            return false;
        }
        if (restoredHwm != NONE && timestamp < restoredHwm && ingestionTime <= restoredIngestion) {
            return false; // delivered before the restart
        }
        if (ids == null) {
            ids = new HashSet<>(4);
            seen.put(timestamp, ids);
        }
        ids.add(eventId);
        seenCount++;
        if (timestamp > hwm) {
            hwm = timestamp;
        }
        if (ingestionTime > ingestion) {
            ingestion = ingestionTime;
        }
        return true;
    }

    /** The newest event timestamp delivered (epoch ms), or {@link GroupPosition#NONE}. */
    long highWaterMark() {
        return hwm;
    }

    /** How many event ids are remembered for de-duplication. */
    int rememberedIds() {
        return seenCount;
    }

    GroupPosition position() {
        Set<String> atHwm = hwm == NONE ? Set.of() : seen.getOrDefault(hwm, Set.of());
        return new GroupPosition(floor, hwm, ingestion, atHwm);
    }
}
