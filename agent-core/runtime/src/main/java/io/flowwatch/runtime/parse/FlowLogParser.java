package io.flowwatch.runtime.parse;

import io.flowwatch.api.record.FlowField;
import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;
import io.flowwatch.api.source.LineChunk;
import io.flowwatch.api.source.Newlines;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Turns flow-log text into {@link FlowRecord}s: bytes in, primitive fields out. One pass over
 * each line finds token boundaries and, on the way, each number or each string's hash; no
 * regex, no per-field boxing, and repeated strings (actions, statuses, interface ids, busy
 * addresses) come from per-column caches instead of being allocated per record.
 *
 * <p>Not thread-safe: one parser per pipeline thread. It remembers the format a header line
 * announced for the rest of that origin.
 */
public final class FlowLogParser {

    /** Receives parse results in input order. */
    public interface Sink {
        void record(FlowRecord record);

        /** A line that is not a record of its format; {@code reason} says why, for a located message. */
        void malformed(String origin, long lineNumber, String reason);
    }

    private static final byte STR = 0;
    private static final byte NUM = 1;
    private static final byte ADDR = 2;

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    // Byte classes: separators (space, tab, CR, other control bytes) and the line terminator end a token.
    private static final byte TOKEN = 0;
    private static final byte SEP = 1;
    private static final byte EOL = 2;
    private static final byte[] CLASS = new byte[256];
    /** Characters an IPv4 or IPv6 address may contain (digits, hex letters, '.', ':'). */
    private static final boolean[] ADDRESS_CHAR = new boolean[256];

    static {
        // Every control byte separates (as tokenEnd sees it); only LF ends the line.
        for (int c = 0; c <= ' '; c++) {
            CLASS[c] = SEP;
        }
        CLASS['\n'] = EOL;
        for (char c : "0123456789abcdefABCDEF.:".toCharArray()) {
            ADDRESS_CHAR[c] = true;
        }
    }

    private final FlowFormat defaultFormat;

    private String headerOrigin;
    private FlowFormat headerFormat;
    private String lastReason;
    /** Where the last {@link #parseTokens} stopped: the line's '\n' or the end of input. */
    private int stop;

    // Per-format plan, cached: flat arrays avoid List lookups per field.
    private FlowFormat planFormat;
    private byte[] kinds;
    private long[] maxima;
    private StringCache[] caches;
    private int[] numberSlot;
    private int[] textSlot;

    public FlowLogParser(FlowFormat defaultFormat) {
        this.defaultFormat = defaultFormat == null ? FlowFormat.DEFAULT : defaultFormat;
    }

    /** Parses every line of a chunk. Never throws for bad input: bad lines go to {@link Sink#malformed}. */
    public void parse(LineChunk chunk, Sink sink) {
        byte[] b = chunk.data();
        int pos = chunk.offset();
        int end = chunk.offset() + chunk.length();
        long line = chunk.firstLine();
        long[] eventTimes = chunk.eventTimes();
        String origin = chunk.origin();
        FlowFormat format = chunk.format() != null ? chunk.format() : defaultFormat;
        if (origin.equals(headerOrigin) && headerFormat != null) {
            format = headerFormat;
        } else {
            headerOrigin = null;
            headerFormat = null;
        }
        int index = 0;
        while (pos < end) {
            long fallback = eventTimes != null && index < eventTimes.length ? eventTimes[index] : FlowRecord.ABSENT;
            FlowFormat header = null;
            if (line == 1 && startsLikeHeader(b[pos])) {
                header = detectHeader(b, pos, lineEnd(b, pos, end));
            }
            if (header == null) {
                FlowRecord r = parseTokens(format, b, pos, end, fallback);
                if (r != null) {
                    sink.record(r);
                } else if (lastReason != null) {
                    // Concatenated objects can put a header mid-stream; anything else is malformed.
                    header = startsLikeHeader(firstNonSeparator(b, pos, end)) ? detectHeader(b, pos, stop) : null;
                    if (header == null) {
                        sink.malformed(origin, line, lastReason);
                    }
                }
            } else {
                stop = lineEnd(b, pos, end);
            }
            if (header != null) {
                format = header;
                headerOrigin = origin;
                headerFormat = header;
            }
            lastReason = null;
            pos = stop + 1;
            line++;
            index++;
        }
    }

    /** Parses one line; convenient for tools and tests. Returns empty for a blank, header or bad line. */
    public Optional<FlowRecord> parseLine(FlowFormat format, String line) {
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        return Optional.ofNullable(parseTokens(format, b, 0, b.length, FlowRecord.ABSENT));
    }

    /** Why the last line failed, or null when it was fine or blank. */
    public String lastReason() {
        return lastReason;
    }

    /**
     * The hot path: parses the line starting at {@code start}, up to its '\n' or {@code end}, and
     * leaves {@link #stop} at that '\n' (or {@code end}). Returns null for a blank line (with
     * {@link #lastReason} null) or a line that does not fit the format (with the reason): wrong
     * number of fields, a non-number in a numeric field, a number out of range, or an address
     * field with characters no IP address has.
     */
    FlowRecord parseTokens(FlowFormat format, byte[] b, int start, int end, long fallbackEventTime) {
        if (format != planFormat) {
            plan(format);
        }
        byte[] kinds = this.kinds;
        int n = kinds.length;
        int[] numberSlot = this.numberSlot;
        int[] textSlot = this.textSlot;
        long[] numbers = new long[format.numberSlots()];
        String[] strs = new String[format.textSlots()];
        int pos = start;
        int col = 0;
        while (true) {
            byte cls = SEP;
            while (pos < end && (cls = CLASS[b[pos] & 0xff]) == SEP) {
                pos++;
            }
            if (pos >= end || cls == EOL) {
                break;
            }
            if (col >= n) {
                return problem(format, b, start, end, "expected " + n + " fields, found " + countTokens(b, start, lineEnd(b, pos, end)));
            }
            int tokStart = pos;
            if (kinds[col] == NUM) {
                pos = tokenEnd(b, pos, end);
                int len = pos - tokStart;
                long v = len <= 18 ? digits(b, tokStart, len) : -1;
                if (v >= 0 && v <= maxima[col]) {
                    numbers[numberSlot[col]] = v;
                } else if (len == 1 && b[tokStart] == '-') {
                    numbers[numberSlot[col]] = FlowRecord.ABSENT;
                } else {
                    // 19 digits may still fit a long: take the careful path only then.
                    long careful = parseNumber(b, tokStart, pos, maxima[col]);
                    if (careful < 0) {
                        return fieldProblem(format, col, b, start, end, tokStart, pos, "a number up to " + maxima[col]);
                    }
                    numbers[numberSlot[col]] = careful;
                }
            } else {
                pos = tokenEnd(b, pos, end);
                int len = pos - tokStart;
                if (len != 1 || b[tokStart] != '-') {
                    StringCache cache = caches[col];
                    String v = cache.get(b, tokStart, pos);
                    if (v == null) {
                        // A value the cache has not seen: check it once, then keep it (with its IPv4 value).
                        long code = 0;
                        if (kinds[col] == ADDR) {
                            if (!looksLikeAddress(b, tokStart, pos)) {
                                return fieldProblem(format, col, b, start, end, tokStart, pos, "an IPv4 or IPv6 address");
                            }
                            code = FlowRecord.ipv4Code(b, tokStart, pos);
                            numbers[numberSlot[col]] = code;
                        }
                        v = cache.put(b, tokStart, pos, code);
                    } else if (kinds[col] == ADDR) {
                        numbers[numberSlot[col]] = cache.lastCode();
                    }
                    strs[textSlot[col]] = v;
                }
            }
            col++;
        }
        stop = pos;
        if (col == 0) {
            lastReason = null;
            return null;
        }
        if (col != n) {
            lastReason = "expected " + n + " fields, found " + col;
            return null;
        }
        return FlowRecord.ofSlots(format, numbers, strs, fallbackEventTime);
    }

    private void plan(FlowFormat format) {
        int n = format.size();
        kinds = new byte[n];
        maxima = new long[n];
        caches = new StringCache[n];
        numberSlot = new int[n];
        textSlot = new int[n];
        // srcaddr and dstaddr (and the pkt- ones) draw on one set of addresses: one cache for them
        // all holds twice the addresses in the same memory, and a peer seen as a source is known as a destination.
        StringCache addresses = null;
        for (int i = 0; i < n; i++) {
            FlowField f = format.column(i).field();
            maxima[i] = format.column(i).type().max();
            numberSlot[i] = format.numberSlot(i);
            textSlot[i] = format.textSlot(i);
            if (format.column(i).type().numeric()) {
                kinds[i] = NUM;
            } else {
                kinds[i] = f == FlowField.SRCADDR || f == FlowField.DSTADDR || f == FlowField.PKT_SRCADDR
                        || f == FlowField.PKT_DSTADDR ? ADDR : STR;
                if (kinds[i] == ADDR) {
                    if (addresses == null) {
                        addresses = new StringCache(14); // 16K addresses: a busy VPC's active peers
                    }
                    caches[i] = addresses;
                } else {
                    caches[i] = new StringCache(10); // statuses, actions, interfaces: a few hundred values
                }
            }
        }
        planFormat = format;
    }

    /** Failure path: a wrong field count explains a bad line better than its first odd field. */
    private FlowRecord fieldProblem(FlowFormat format, int col, byte[] b, int start, int end, int tokStart, int tokEnd,
                                    String expected) {
        int le = lineEnd(b, start, end);
        int tokens = countTokens(b, start, le);
        return problem(format, b, start, end, tokens != format.size() ? "expected " + format.size() + " fields, found " + tokens
                : "field " + format.column(col).name() + ": expected " + expected + ", got '" + printable(b, tokStart, tokEnd) + "'");
    }

    private FlowRecord problem(FlowFormat format, byte[] b, int start, int end, String reason) {
        lastReason = reason;
        stop = lineEnd(b, start, end);
        return null;
    }

    /**
     * End of the token starting at {@code pos}: the first byte at or below ' ' (separators, CR, LF
     * and other control bytes). Eight bytes at a time with the "has byte less than" bit trick;
     * its lowest flagged byte is always exact.
     */
    private static int tokenEnd(byte[] b, int pos, int end) {
        while (pos + 8 <= end) {
            long x = (long) LONGS.get(b, pos);
            long m = (x - 0x2121212121212121L) & ~x & 0x8080808080808080L;
            if (m != 0) {
                return pos + (Long.numberOfTrailingZeros(m) >>> 3);
            }
            pos += 8;
        }
        while (pos < end && (b[pos] & 0xff) > ' ') {
            pos++;
        }
        return pos;
    }

    /** The value of 1 to 18 decimal digits, or -1 when any byte is not a digit. */
    private static long digits(byte[] b, int start, int len) {
        if (len <= 8) {
            return len == 0 ? -1 : eightDigits(b, start, len);
        }
        long lo = eightDigits(b, start + len - 8, 8);
        if (len <= 16) {
            long hi = eightDigits(b, start, len - 8);
            return (hi | lo) < 0 ? -1 : hi * 100_000_000L + lo;
        }
        long top = eightDigits(b, start, len - 16);
        long mid = eightDigits(b, start + len - 16, 8);
        return (top | mid | lo) < 0 ? -1 : (top * 100_000_000L + mid) * 100_000_000L + lo;
    }

    /**
     * Up to 8 ASCII digits at once (the SWAR method of Lemire's "fast number parsing"): the bytes
     * are read as one little-endian word, left-padded with '0', checked to be digits, and
     * combined pairwise by three multiplications. -1 when a byte is not a digit.
     */
    private static long eightDigits(byte[] b, int start, int len) {
        long x;
        if (start + 8 <= b.length) {
            x = (long) LONGS.get(b, start);
        } else {
            x = 0;
            for (int i = Math.min(8, b.length - start) - 1; i >= 0; i--) {
                x = (x << 8) | (b[start + i] & 0xff);
            }
        }
        int pad = (8 - len) << 3;
        x = pad == 0 ? x : (x << pad) | (0x3030303030303030L & ((1L << pad) - 1));
        if ((((x + 0x4646464646464646L) | (x - 0x3030303030303030L)) & 0x8080808080808080L) != 0) {
            return -1;
        }
        x -= 0x3030303030303030L;
        x = (x * 10) + (x >>> 8);
        x = (((x & 0x000000FF000000FFL) * (100 + (1000000L << 32)))
                + (((x >>> 16) & 0x000000FF000000FFL) * (1 + (10000L << 32)))) >>> 32;
        return x;
    }

    private static boolean looksLikeAddress(byte[] b, int start, int end) {
        if (end - start > 45) {
            return false;
        }
        for (int i = start; i < end; i++) {
            if (!ADDRESS_CHAR[b[i] & 0xff]) {
                return false;
            }
        }
        return true;
    }

    private static int lineEnd(byte[] b, int from, int end) {
        int nl = Newlines.indexOf(b, from, end);
        return nl < 0 ? end : nl;
    }

    private static byte firstNonSeparator(byte[] b, int from, int end) {
        for (int i = from; i < end; i++) {
            if (CLASS[b[i] & 0xff] != SEP) {
                return b[i];
            }
        }
        return ' ';
    }

    private static int countTokens(byte[] b, int start, int end) {
        int n = 0;
        boolean in = false;
        for (int i = start; i < end; i++) {
            boolean sep = CLASS[b[i] & 0xff] != TOKEN;
            if (!sep && !in) {
                n++;
            }
            in = !sep;
        }
        return n;
    }

    private static FlowFormat detectHeader(byte[] b, int start, int end) {
        return FlowFormat.fromHeaderLine(new String(b, start, end - start, StandardCharsets.ISO_8859_1)).orElse(null);
    }

    private static boolean startsLikeHeader(byte first) {
        return first >= 'a' && first <= 'z';
    }

    /** Non-negative decimal up to {@code max}; -1 for anything else (sign, letters, overflow, empty). */
    static long parseNumber(byte[] b, int start, int end, long max) {
        if (start >= end || end - start > 19) {
            return -1;
        }
        long v = 0;
        for (int i = start; i < end; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            v = v * 10 + d;
        }
        // 19 digits can exceed Long.MAX_VALUE and wrap negative.
        return v < 0 || v > max ? -1 : v;
    }
    /** A token for an error message: at most 64 characters, control bytes shown as '?'. */
    static String printable(byte[] b, int start, int end) {
        int len = Math.min(end - start, 64);
        char[] out = new char[len];
        for (int i = 0; i < len; i++) {
            int c = b[start + i] & 0xff;
            out[i] = c >= 0x20 && c < 0x7f ? (char) c : '?';
        }
        return end - start > 64 ? new String(out) + "..." : new String(out);
    }
    /**
     * A direct-mapped cache from byte ranges to Strings. Flow logs repeat the same few hundred
     * values (actions, statuses, interface ids, busy addresses) millions of times; returning the
     * cached String saves the allocation, the copy and (for addresses) the validation. Tokens of
     * up to 24 bytes are keyed by their bytes packed into three longs, so a hit costs a few
     * word compares; longer ones (ARNs) are simply decoded.
     */
    static final class StringCache {
        /*
         * One slot = four adjacent longs (the key's three words, then its length and code), so a
         * lookup touches one cache line, not one per array: with 16K slots per address column the
         * table is far larger than L2, and separate arrays made each lookup several misses.
         */
        private static final int STRIDE = 4;
        private static final int LEN_SHIFT = 56; // codes use the low 34 bits, lengths are <= 24

        private final long[] slots;
        private final String[] values;
        private final int shift;
        // The key of the last get(), reused by put() on a miss.
        private long a;
        private long bb;
        private long c;
        private int slot;

        StringCache(int bits) {
            slots = new long[STRIDE << bits];
            values = new String[1 << bits];
            shift = 64 - bits;
        }

        /** The cached String for these bytes, or null (then call {@link #put}). */
        String get(byte[] b, int start, int end) {
            int len = end - start;
            if (len > 24) {
                slot = -1;
                return null;
            }
            a = word(b, start, end);
            bb = len > 8 ? word(b, start + 8, end) : 0;
            c = len > 16 ? word(b, start + 16, end) : 0;
            // A product's low bits see only the low bytes of its input (here the constant "10.0."
            // of private addresses), so fold the high half down and take the top bits of a final
            // multiply (Fibonacci hashing); the low bits thrashed a third of lookups into misses.
            long h = a * 0x9E3779B97F4A7C15L + bb * 0xC2B2AE3D27D4EB4FL + c * 0x165667B19E3779F9L + len;
            h = (h ^ (h >>> 32)) * 0xD6E8FEB86659FD93L;
            slot = (int) (h >>> shift);
            long[] t = slots;
            int i = slot * STRIDE;
            if (t[i] == a && t[i + 1] == bb && t[i + 2] == c && (t[i + 3] >>> LEN_SHIFT) == len) {
                return values[slot];
            }
            return null;
        }

        /** Decodes the bytes of the last {@link #get} miss and caches them, with a number derived from them. */
        String put(byte[] b, int start, int end, long code) {
            String s = decode(b, start, end);
            if (slot >= 0) {
                int i = slot * STRIDE;
                slots[i] = a;
                slots[i + 1] = bb;
                slots[i + 2] = c;
                slots[i + 3] = ((long) (end - start) << LEN_SHIFT) | code;
                values[slot] = s;
            }
            return s;
        }

        /** The number stored with the String the last {@link #get} returned. */
        long lastCode() {
            return slots[slot * STRIDE + 3] & ((1L << LEN_SHIFT) - 1);
        }

        /** Up to 8 bytes from {@code from} (stopping at {@code end}), little-endian, zero-padded. */
        private static long word(byte[] b, int from, int end) {
            int n = Math.min(8, end - from);
            if (n == 8) {
                return (long) LONGS.get(b, from);
            }
            if (from + 8 <= b.length) {
                return (long) LONGS.get(b, from) & ((1L << (n << 3)) - 1);
            }
            long w = 0;
            for (int i = n - 1; i >= 0; i--) {
                w = (w << 8) | (b[from + i] & 0xff);
            }
            return w;
        }

        private static String decode(byte[] b, int start, int end) {
            for (int i = start; i < end; i++) {
                if (b[i] < 0) {
                    return new String(b, start, end - start, StandardCharsets.UTF_8);
                }
            }
            return new String(b, start, end - start, StandardCharsets.ISO_8859_1);
        }
    }
}
