package io.flowwatch.plugin.rules;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A window's keys and their states, bounded: beyond {@code max-keys} the least recently seen key
 * is dropped (and counted), exactly as an access-ordered {@code LinkedHashMap} would, without its
 * cost. That map relinks an entry on every hit, writing to two neighbouring entries scattered over
 * the heap, for every matching record; here a hit writes one number into the state just read.
 * The order is worked out only when a key must go: the keys are sorted by when they were last
 * seen, and evicted from that list while they have not been seen since (any key seen later is
 * newer than all the untouched ones, so the first untouched one is the least recent). Dropping
 * {@code n} keys costs one sort per {@code n} evictions at worst.
 *
 * <p>Not thread-safe (rules run on the evaluator thread).
 *
 * @param <V> the per-key state, which carries its own last-seen stamp
 */
final class KeyTable<V extends KeyTable.Entry> {

    /** Base of a rule's per-key state: when its key was last seen (set by the table). */
    abstract static class Entry {
        long seen;
    }

    private final int maxKeys;
    private final Runnable onEvict;
    private final HashMap<Object, V> keys = new HashMap<>(256);
    private long clock;
    // Eviction candidates, least recently seen first, with the stamp each had when sorted.
    private Object[] order;
    private long[] orderSeen;
    private int next;

    KeyTable(int maxKeys, Runnable onEvict) {
        if (maxKeys < 1) {
            throw new IllegalArgumentException("maxKeys must be positive: " + maxKeys);
        }
        this.maxKeys = maxKeys;
        this.onEvict = onEvict;
    }

    /** The key's state, now marked as the most recently seen; null when the table does not hold the key. */
    V get(Object key) {
        V v = keys.get(key);
        if (v != null) {
            v.seen = ++clock;
        }
        return v;
    }

    /** Adds a key the table does not hold, as the most recently seen; drops the least recently seen beyond the bound. */
    void add(Object key, V value) {
        value.seen = ++clock;
        keys.put(key, value);
        if (keys.size() > maxKeys) {
            evictLeastRecentlySeen();
        }
    }

    int size() {
        return keys.size();
    }

    /** The entries from the least to the most recently seen: the order eviction would take. */
    List<Map.Entry<Object, V>> byRecency() {
        List<Map.Entry<Object, V>> entries = new ArrayList<>(keys.entrySet());
        entries.sort(Comparator.comparingLong(e -> e.getValue().seen));
        return entries;
    }

    private void evictLeastRecentlySeen() {
        while (true) {
            if (order == null || next == order.length) {
                sortByRecency();
            }
            Object key = order[next];
            long stamp = orderSeen[next];
            order[next++] = null; // let an evicted key go
            V v = keys.get(key);
            // Seen again since the sort (or evicted and added anew): newer than every untouched candidate.
            if (v != null && v.seen == stamp) {
                keys.remove(key);
                onEvict.run();
                return;
            }
        }
    }

    private void sortByRecency() {
        List<Map.Entry<Object, V>> entries = byRecency();
        order = new Object[entries.size()];
        orderSeen = new long[entries.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = entries.get(i).getKey();
            orderSeen[i] = entries.get(i).getValue().seen;
        }
        next = 0;
    }
}
