package io.flowwatch.plugin.rules;

import io.flowwatch.api.rule.StateInput;
import io.flowwatch.api.rule.StateOutput;
import org.apache.datasketches.hll.HllSketch;
import org.apache.datasketches.hll.TgtHllType;

import java.io.IOException;

/**
 * Counts distinct 64-bit values: exactly in a primitive open-addressing set up to
 * {@code exactLimit} values, then approximately in a HyperLogLog sketch of fixed size. Memory is
 * bounded either way: at most a table of {@code 2 × exactLimit} longs (rounded up to a power of
 * two), then {@link #SKETCH_BYTES} bytes.
 *
 * <p>Not thread-safe; rules run on one thread.
 */
final class DistinctCounter {

    /** log2 of the sketch's register count: 4096 registers, relative standard error about 1.6%. */
    static final int LG_K = 12;
    /** Size of the sketch's register array (HLL_8: one byte per register). */
    static final int SKETCH_BYTES = 1 << LG_K;

    private static final int INITIAL_CAPACITY = 8;

    private final int exactLimit;
    private long[] table; // 0 marks an empty slot; the value 0 itself is tracked in hasZero
    private boolean hasZero;
    private int size;
    private HllSketch sketch;

    DistinctCounter(int exactLimit) {
        this.exactLimit = exactLimit;
        if (exactLimit == 0) {
            sketch = new HllSketch(LG_K, TgtHllType.HLL_8);
        } else {
            table = new long[Math.min(INITIAL_CAPACITY, tableSizeFor(exactLimit))];
        }
    }

    /**
     * Adds a value. Returns true when it was new to an exact count; in sketch mode always false
     * (a sketch cannot tell), which callers use only to pick sample records.
     */
    boolean add(long value) {
        if (sketch != null) {
            sketch.update(value);
            return false;
        }
        if (value == 0) {
            if (hasZero) {
                return false;
            }
            if (size == exactLimit) {
                toSketch(value);
                return false;
            }
            hasZero = true;
            size++;
            return true;
        }
        int mask = table.length - 1;
        int i = (int) mix(value) & mask;
        while (true) {
            long v = table[i];
            if (v == value) {
                return false;
            }
            if (v == 0) {
                break;
            }
            i = (i + 1) & mask;
        }
        if (size == exactLimit) {
            toSketch(value);
            return false;
        }
        table[i] = value;
        size++;
        if (size * 4L > table.length * 3L) {
            grow();
        }
        return true;
    }

    /** The distinct count: exact, or the sketch's estimate rounded. */
    long count() {
        return sketch == null ? size : Math.round(sketch.getEstimate());
    }

    /** True while the count is exact. */
    boolean exact() {
        return sketch == null;
    }

    /** Writes the count's content: the exact values, or the sketch in DataSketches' compact form. */
    void save(StateOutput out) throws IOException {
        out.writeBoolean(sketch != null);
        if (sketch != null) {
            out.writeBytes(sketch.toCompactByteArray());
            return;
        }
        out.writeBoolean(hasZero);
        out.writeInt(size - (hasZero ? 1 : 0));
        for (long v : table) {
            if (v != 0) {
                out.writeLong(v);
            }
        }
    }

    /** Reads what {@link #save} wrote into this (new, empty) counter. */
    void restore(StateInput in) throws IOException {
        if (in.readBoolean()) {
            try {
                sketch = HllSketch.heapify(in.readBytes());
            } catch (RuntimeException e) {
                throw StateInput.corrupt("distinct-count sketch: " + e.getMessage());
            }
            table = null;
            return;
        }
        boolean zero = in.readBoolean();
        int n = in.readCount(exactLimit);
        if (zero) {
            add(0);
        }
        for (int i = 0; i < n; i++) {
            add(in.readLong());
        }
    }

    /** A 64-bit hash of a string's characters, so text values are counted like numbers. */
    static long hash(String s) {
        long h = 0xcbf29ce484222325L; // FNV-1a over UTF-16 units, then a full avalanche
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return mix(h ^ s.length());
    }

    private void toSketch(long pending) {
        HllSketch sk = new HllSketch(LG_K, TgtHllType.HLL_8);
        if (hasZero) {
            sk.update(0L);
        }
        for (long v : table) {
            if (v != 0) {
                sk.update(v);
            }
        }
        sk.update(pending);
        sketch = sk;
        table = null;
    }

    private void grow() {
        long[] old = table;
        long[] t = new long[old.length * 2];
        int mask = t.length - 1;
        for (long v : old) {
            if (v != 0) {
                int i = (int) mix(v) & mask;
                while (t[i] != 0) {
                    i = (i + 1) & mask;
                }
                t[i] = v;
            }
        }
        table = t;
    }

    /** The smallest power of two that holds {@code n} values under a 3/4 load factor. */
    private static int tableSizeFor(int n) {
        int need = (int) Math.min(1 << 30, (n * 4L + 2) / 3 + 1);
        return Integer.highestOneBit(need - 1) << 1;
    }

    /** MurmurHash3's 64-bit finaliser: spreads ports and addresses over the table. */
    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }
}
