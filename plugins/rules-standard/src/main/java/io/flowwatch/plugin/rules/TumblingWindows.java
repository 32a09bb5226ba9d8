package io.flowwatch.plugin.rules;

import io.flowwatch.api.PluginMetrics;
import io.flowwatch.api.record.FlowRecord;
import io.flowwatch.api.rule.RuleOutput;
import io.flowwatch.api.rule.Signal;
import io.flowwatch.api.rule.StateInput;
import io.flowwatch.api.rule.StateOutput;

import java.io.IOException;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The bookkeeping that every windowed rule shares: tumbling event-time windows aligned to the
 * epoch, per window a map of group key to the rule's state {@code S} (least recently seen key
 * dropped beyond {@code max-keys}, counted), and the firing/resolve cycle when windows close.
 *
 * <p>A key fires when the window it breached in closes. A key that fired resolves at the end of
 * the first later window in which it does not breach, including windows with no matching record
 * at all: those are known to be over once input (any record, matching or not, see
 * {@link #observe}) has covered their end. End of input (watermark {@link Long#MAX_VALUE}) closes
 * the open windows but resolves only what they show, never the empty future after them.
 *
 * @param <S> the per-key, per-window state a rule accumulates
 */
final class TumblingWindows<S extends KeyTable.Entry> {

    /** A rule's verdict on one key when its window closes. */
    @FunctionalInterface
    interface Judge<S> {
        /** The signal when the key breaches, else null. */
        Signal judge(List<String> key, S state, long windowStart, long windowEnd);
    }

    private final FieldColumns groupBy;
    private final long windowSeconds;
    private final int maxKeys;
    private final PluginMetrics.Counter evicted;
    private final Supplier<S> newState;
    private final TreeMap<Long, KeyTable<S>> windows = new TreeMap<>();
    private Set<Object> firing = Set.of();
    private long lastClosedEnd = Long.MIN_VALUE;
    private long newestEventTime = Long.MIN_VALUE;
    private long watermark = Long.MIN_VALUE;
    /*
     * The windows {@link #state} used last and the one before; forgotten whenever a window is
     * removed. Records arrive up to a minute out of order, so near a window's end they alternate
     * between two windows: two remembered windows spare the tree lookup (and a boxed Long) then.
     */
    private long recentStart = Long.MIN_VALUE;
    private KeyTable<S> recentKeys;
    private long otherStart = Long.MIN_VALUE;
    private KeyTable<S> otherKeys;

    TumblingWindows(FieldColumns groupBy, long windowSeconds, int maxKeys, PluginMetrics.Counter evicted,
                    Supplier<S> newState) {
        this.groupBy = groupBy;
        this.windowSeconds = windowSeconds;
        this.maxKeys = maxKeys;
        this.evicted = evicted;
        this.newState = newState;
    }

    long windowSeconds() {
        return windowSeconds;
    }

    /**
     * Notes how far input has covered event time. Call it for every record with an event time,
     * matching or not: quiet windows resolve by it.
     */
    void observe(long eventTime) {
        if (eventTime != FlowRecord.ABSENT && eventTime > newestEventTime) {
            newestEventTime = eventTime;
        }
    }

    /**
     * True when the window holding {@code eventTime} has already closed (the watermark passed its
     * end, whether or not it held records): the record is later than allowed-lateness.
     */
    boolean isLate(long eventTime) {
        // A window ends after every time in it: at or past the watermark needs no division.
        return eventTime < watermark && windowStart(eventTime) + windowSeconds <= watermark;
    }

    /** The record's key's state in the window holding {@code eventTime} (which must not be late), created on first use. */
    S state(long eventTime, FlowRecord record) {
        Object key = groupBy.lookupKey(record);
        // Nearly every record falls in the window of the one before: skip the division and the tree lookup then.
        KeyTable<S> keys = recentKeys;
        if (keys == null || eventTime < recentStart || eventTime - recentStart >= windowSeconds) {
            keys = otherWindow(eventTime);
        }
        S s = keys.get(key);
        if (s == null) {
            s = newState.get();
            keys.add(key, s);
        }
        return s;
    }

    /** The keys of the window holding {@code eventTime}, which is not the recent one; it becomes the recent one. */
    private KeyTable<S> otherWindow(long eventTime) {
        KeyTable<S> keys = otherKeys;
        long start;
        if (keys != null && eventTime >= otherStart && eventTime - otherStart < windowSeconds) {
            start = otherStart;
        } else {
            start = windowStart(eventTime);
            keys = windows.get(start);
            if (keys == null) {
                keys = keyTable();
                windows.put(start, keys);
            }
        }
        otherStart = recentStart;
        otherKeys = recentKeys;
        recentStart = start;
        recentKeys = keys;
        return keys;
    }

    /**
     * Closes every window that ends at or before {@code watermark}, in order, asking {@code judge}
     * about each of its keys; reports firing and resolved keys to {@code out}.
     */
    void close(long watermark, RuleOutput out, Judge<S> judge) {
        this.watermark = Math.max(this.watermark, watermark);
        Iterator<Map.Entry<Long, KeyTable<S>>> it = windows.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Long, KeyTable<S>> w = it.next();
            long start = w.getKey();
            long end = start + windowSeconds;
            if (end > watermark) {
                break;
            }
            if (!firing.isEmpty() && lastClosedEnd != Long.MIN_VALUE && start > lastClosedEnd) {
                // An empty window lay between: nothing breached in it.
                resolveAll(out, lastClosedEnd + windowSeconds);
            }
            Set<Object> breached = new HashSet<>();
            for (Map.Entry<Object, S> e : w.getValue().byRecency()) {
                Signal signal = judge.judge(groupBy.asList(e.getKey()), e.getValue(), start, end);
                if (signal != null) {
                    breached.add(e.getKey());
                    out.firing(signal);
                }
            }
            for (Object k : firing) {
                if (!breached.contains(k)) {
                    out.resolved(groupBy.labels(groupBy.asList(k)), end);
                }
            }
            firing = breached.isEmpty() ? Set.of() : breached;
            lastClosedEnd = end;
            it.remove();
            forgetRecent();
        }
        // A window with no records at all after the last closed one resolves once event time has passed it;
        // at end of input (MAX) only as far as the input actually reached, so no resolves are invented.
        long covered = watermark == Long.MAX_VALUE ? newestEventTime : watermark;
        if (!firing.isEmpty() && lastClosedEnd != Long.MIN_VALUE && lastClosedEnd + windowSeconds <= covered) {
            resolveAll(out, lastClosedEnd + windowSeconds);
            lastClosedEnd += windowSeconds;
        }
    }

    /** How a rule's per-key state {@code S} is written to and read from a checkpoint. */
    interface Codec<S> {
        void write(S state, StateOutput out) throws IOException;

        S read(StateInput in) throws IOException;
    }

    /**
     * Writes the open windows (keys in least- to most-recently-seen order, so eviction order
     * survives), the firing keys and how far event time got.
     */
    void save(StateOutput out, Codec<S> codec) throws IOException {
        out.writeLong(windowSeconds);
        out.writeLong(lastClosedEnd);
        out.writeLong(newestEventTime);
        out.writeLong(watermark);
        out.writeInt(firing.size());
        for (Object k : firing) {
            out.writeStrings(groupBy.asList(k));
        }
        out.writeInt(windows.size());
        for (Map.Entry<Long, KeyTable<S>> w : windows.entrySet()) {
            out.writeLong(w.getKey());
            out.writeInt(w.getValue().size());
            for (Map.Entry<Object, S> e : w.getValue().byRecency()) {
                out.writeStrings(groupBy.asList(e.getKey()));
                codec.write(e.getValue(), out);
            }
        }
    }

    /** Reads what {@link #save} wrote; on any problem throws and leaves this object as it was. */
    void restore(StateInput in, Codec<S> codec) throws IOException {
        long savedWindow = in.readLong();
        if (savedWindow != windowSeconds) {
            throw StateInput.corrupt("window of " + savedWindow + "s saved, " + windowSeconds + "s configured");
        }
        long closedEnd = in.readLong();
        long newest = in.readLong();
        long mark = in.readLong();
        int nFiring = in.readCount(Integer.MAX_VALUE);
        Set<Object> fired = new HashSet<>();
        for (int i = 0; i < nFiring; i++) {
            fired.add(readKey(in));
        }
        int nWindows = in.readCount(Integer.MAX_VALUE);
        TreeMap<Long, KeyTable<S>> read = new TreeMap<>();
        for (int i = 0; i < nWindows; i++) {
            long start = in.readLong();
            int nKeys = in.readCount(Integer.MAX_VALUE);
            KeyTable<S> keys = keyTable();
            for (int j = 0; j < nKeys; j++) {
                keys.add(readKey(in), codec.read(in)); // in the order saved: least recently seen first
            }
            read.put(start, keys);
        }
        lastClosedEnd = closedEnd;
        newestEventTime = newest;
        watermark = mark;
        firing = fired.isEmpty() ? Set.of() : fired;
        windows.clear();
        windows.putAll(read);
        forgetRecent();
    }

    private Object readKey(StateInput in) throws IOException {
        List<String> key = in.readStrings();
        if (key.size() != groupBy.names().size()) {
            throw StateInput.corrupt("a key of " + key.size() + " values for group-by " + groupBy.names());
        }
        return groupBy.fromList(key);
    }

    private void forgetRecent() {
        recentStart = Long.MIN_VALUE;
        recentKeys = null;
        otherStart = Long.MIN_VALUE;
        otherKeys = null;
    }

    /** Keys held over all open windows. */
    int trackedKeys() {
        int n = 0;
        for (KeyTable<S> t : windows.values()) {
            n += t.size();
        }
        return n;
    }

    private long windowStart(long t) {
        return t - Math.floorMod(t, windowSeconds);
    }

    private void resolveAll(RuleOutput out, long at) {
        for (Object k : firing) {
            out.resolved(groupBy.labels(groupBy.asList(k)), at);
        }
        firing = Set.of();
    }

    private KeyTable<S> keyTable() {
        return new KeyTable<>(maxKeys, evicted::inc);
    }
}
