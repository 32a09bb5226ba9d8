package io.flowwatch.runtime.alert;

import io.flowwatch.api.notify.Alert;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The last alerts raised (firing, repeats and resolved), for the status page: a bounded ring in
 * memory, oldest dropped first. Not persisted on purpose: it is a view for on-call eyes, the
 * durable record is the notifiers' outboxes and the alert state. Thread-safe: sources add, the
 * HTTP threads read.
 */
public final class RecentAlerts {

    /** One alert and the wall-clock time the runtime raised it. */
    public record Entry(Instant raisedAt, Alert alert) {
    }

    private final int capacity;
    private final Clock clock;
    private final ArrayDeque<Entry> entries;

    public RecentAlerts(int capacity, Clock clock) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1");
        }
        this.capacity = capacity;
        this.clock = clock;
        this.entries = new ArrayDeque<>(capacity);
    }

    public synchronized void add(Alert alert) {
        if (entries.size() == capacity) {
            entries.removeFirst();
        }
        entries.addLast(new Entry(clock.instant(), alert));
    }

    /** Newest first. */
    public synchronized List<Entry> newestFirst() {
        List<Entry> out = new ArrayList<>(entries.size());
        for (Iterator<Entry> it = entries.descendingIterator(); it.hasNext(); ) {
            out.add(it.next());
        }
        return out;
    }
}
