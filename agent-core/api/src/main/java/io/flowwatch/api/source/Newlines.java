package io.flowwatch.api.source;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Finding and counting line breaks ({@code '\n'}) in byte buffers, eight bytes at a time: sources
 * cut every byte they read into lines, and a byte-by-byte loop over hundreds of megabytes was a
 * visible share of a reader thread.
 */
public final class Newlines {

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long NEWLINES = 0x0A0A0A0A0A0A0A0AL;
    private static final long LOW7 = 0x7F7F7F7F7F7F7F7FL;

    private Newlines() {
    }

    /** The high bit of exactly those bytes of {@code word} that are {@code '\n'} (no false positives). */
    private static long newlineBits(long word) {
        long v = word ^ NEWLINES; // a line break becomes a zero byte
        return ~(((v & LOW7) + LOW7) | v | LOW7);
    }

    /** Index of the first {@code '\n'} in {@code b[from, to)}, or -1. */
    public static int indexOf(byte[] b, int from, int to) {
        int i = from;
        for (; i + 8 <= to; i += 8) {
            long m = newlineBits((long) LONGS.get(b, i));
            if (m != 0) {
                return i + (Long.numberOfTrailingZeros(m) >>> 3);
            }
        }
        for (; i < to; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** Index of the last {@code '\n'} in {@code b[from, to)}, or -1. */
    public static int lastIndexOf(byte[] b, int from, int to) {
        int i = to;
        for (; i - 8 >= from; i -= 8) {
            long m = newlineBits((long) LONGS.get(b, i - 8));
            if (m != 0) {
                return i - 1 - (Long.numberOfLeadingZeros(m) >>> 3);
            }
        }
        for (i--; i >= from; i--) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** Number of {@code '\n'} in {@code b[from, to)}. */
    public static int count(byte[] b, int from, int to) {
        int n = 0;
        int i = from;
        for (; i + 8 <= to; i += 8) {
            n += Long.bitCount(newlineBits((long) LONGS.get(b, i)));
        }
        for (; i < to; i++) {
            if (b[i] == '\n') {
                n++;
            }
        }
        return n;
    }
}
