package io.flowwatch.plugin.rules.iplist;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * An immutable table of IPv4 and IPv6 CIDR blocks, looked up in O(log n + prefix length).
 *
 * <p>Blocks are sorted by start ascending and, for equal starts, by size descending, so every block
 * comes after the blocks that contain it. CIDR blocks never partly overlap (two blocks are either
 * disjoint or one holds the other), so each block records its nearest enclosing block. A lookup
 * binary-searches the last block starting at or before the address; any block containing the
 * address is that block or one of its enclosing blocks, so it walks up that chain (at most 33 / 129
 * steps) and returns the most specific match. Overlapping and duplicate entries, also across files,
 * are therefore fine.
 */
public final class IpRanges {

    /** One list entry: its text as written, and where it came from. */
    public record Entry(String text, Path file, int line) {
    }

    private static final IpRanges EMPTY = new Builder().build();

    private final long[] v4Start;
    private final long[] v4End;
    private final int[] v4Parent;
    private final Entry[] v4Entries;
    private final long[] v6StartHi;
    private final long[] v6StartLo;
    private final long[] v6EndHi;
    private final long[] v6EndLo;
    private final int[] v6Parent;
    private final Entry[] v6Entries;

    private IpRanges(long[] v4Start, long[] v4End, int[] v4Parent, Entry[] v4Entries, long[] v6StartHi, long[] v6StartLo,
                     long[] v6EndHi, long[] v6EndLo, int[] v6Parent, Entry[] v6Entries) {
        this.v4Start = v4Start;
        this.v4End = v4End;
        this.v4Parent = v4Parent;
        this.v4Entries = v4Entries;
        this.v6StartHi = v6StartHi;
        this.v6StartLo = v6StartLo;
        this.v6EndHi = v6EndHi;
        this.v6EndLo = v6EndLo;
        this.v6Parent = v6Parent;
        this.v6Entries = v6Entries;
    }

    public static IpRanges empty() {
        return EMPTY;
    }

    /** Number of entries (IPv4 plus IPv6). */
    public int size() {
        return v4Start.length + v6StartHi.length;
    }

    /** The most specific entry containing the IPv4 address (unsigned 32-bit), or null. */
    public Entry findV4(long ip) {
        int lo = 0;
        int hi = v4Start.length - 1;
        int i = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (v4Start[mid] <= ip) {
                i = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        while (i >= 0 && v4End[i] < ip) {
            i = v4Parent[i];
        }
        return i < 0 ? null : v4Entries[i];
    }

    /** The most specific entry containing the IPv6 address, or null. */
    public Entry findV6(long ipHi, long ipLo) {
        int lo = 0;
        int hi = v6StartHi.length - 1;
        int i = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (compare(v6StartHi[mid], v6StartLo[mid], ipHi, ipLo) <= 0) {
                i = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        while (i >= 0 && compare(v6EndHi[i], v6EndLo[i], ipHi, ipLo) < 0) {
            i = v6Parent[i];
        }
        return i < 0 ? null : v6Entries[i];
    }

    private static int compare(long aHi, long aLo, long bHi, long bLo) {
        int c = Long.compareUnsigned(aHi, bHi);
        return c != 0 ? c : Long.compareUnsigned(aLo, bLo);
    }

    /** Collects blocks, then sorts them once. Not thread-safe. */
    public static final class Builder {
        private record V4(long start, long end, Entry entry) {
        }

        private record V6(long startHi, long startLo, long endHi, long endLo, Entry entry) {
        }

        private final List<V4> v4 = new ArrayList<>();
        private final List<V6> v6 = new ArrayList<>();

        /** Adds {@code address/prefix} (host bits beyond the prefix are ignored). */
        public Builder addV4(long address, int prefix, Entry entry) {
            if (prefix < 0 || prefix > 32) {
                throw new IllegalArgumentException("IPv4 prefix length must be 0 to 32");
            }
            long mask = prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
            long start = address & mask;
            v4.add(new V4(start, start | (~mask & 0xffffffffL), entry));
            return this;
        }

        /** Adds {@code address/prefix} for a 128-bit address given as two halves. */
        public Builder addV6(long hi, long lo, int prefix, Entry entry) {
            if (prefix < 0 || prefix > 128) {
                throw new IllegalArgumentException("IPv6 prefix length must be 0 to 128");
            }
            long maskHi = prefix >= 64 ? -1L : prefix == 0 ? 0 : -1L << (64 - prefix);
            long maskLo = prefix <= 64 ? 0 : prefix == 128 ? -1L : -1L << (128 - prefix);
            long sHi = hi & maskHi;
            long sLo = lo & maskLo;
            v6.add(new V6(sHi, sLo, sHi | ~maskHi, sLo | ~maskLo, entry));
            return this;
        }

        public IpRanges build() {
            v4.sort(Comparator.comparingLong(V4::start).thenComparing(Comparator.comparingLong(V4::end).reversed()));
            v6.sort((a, b) -> {
                int c = compare(a.startHi, a.startLo, b.startHi, b.startLo);
                return c != 0 ? c : compare(b.endHi, b.endLo, a.endHi, a.endLo);
            });
            int n4 = v4.size();
            long[] s4 = new long[n4];
            long[] e4 = new long[n4];
            int[] p4 = new int[n4];
            Entry[] en4 = new Entry[n4];
            int[] stack = new int[Math.max(n4, v6.size()) + 1];
            int top = 0;
            for (int i = 0; i < n4; i++) {
                V4 r = v4.get(i);
                s4[i] = r.start;
                e4[i] = r.end;
                en4[i] = r.entry;
                while (top > 0 && e4[stack[top - 1]] < r.start) {
                    top--;
                }
                p4[i] = top > 0 ? stack[top - 1] : -1;
                stack[top++] = i;
            }
            int n6 = v6.size();
            long[] sh = new long[n6];
            long[] sl = new long[n6];
            long[] eh = new long[n6];
            long[] el = new long[n6];
            int[] p6 = new int[n6];
            Entry[] en6 = new Entry[n6];
            top = 0;
            for (int i = 0; i < n6; i++) {
                V6 r = v6.get(i);
                sh[i] = r.startHi;
                sl[i] = r.startLo;
                eh[i] = r.endHi;
                el[i] = r.endLo;
                en6[i] = r.entry;
                while (top > 0 && compare(eh[stack[top - 1]], el[stack[top - 1]], r.startHi, r.startLo) < 0) {
                    top--;
                }
                p6[i] = top > 0 ? stack[top - 1] : -1;
                stack[top++] = i;
            }
            return new IpRanges(s4, e4, p4, en4, sh, sl, eh, el, p6, en6);
        }
    }

    @Override
    public String toString() {
        return "IpRanges[" + v4Start.length + " IPv4, " + v6StartHi.length + " IPv6]";
    }
}
