package io.flowwatch.runtime.parse;

import io.flowwatch.api.record.FlowField;
import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;
import io.flowwatch.api.source.LineChunk;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * Turns flow-log text into {@link FlowRecord}s: bytes in, primitive fields out. No regex, no
 * per-field boxing; repeated strings (actions, statuses, interface ids, busy addresses) come from
 * a small cache instead of being allocated per record.
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

    private final FlowFormat defaultFormat;
    private final StringCache strings = new StringCache(13);

    private String headerOrigin;
    private FlowFormat headerFormat;
    private String lastReason;

    // Per-format plan, cached: column kinds as a flat array avoids a List lookup per field.
    private FlowFormat planFormat;
    private byte[] plan;
    private static final byte STR = 0;
    private static final byte NUM = 1;
    private static final byte ADDR = 2;

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
            int nl = indexOf(b, pos, end);
            int lineEnd = nl < 0 ? end : nl;
            int contentEnd = lineEnd;
            if (contentEnd > pos && b[contentEnd - 1] == '\r') {
                contentEnd--;
            }
            long fallback = eventTimes != null && index < eventTimes.length ? eventTimes[index] : FlowRecord.ABSENT;
            if (!isBlank(b, pos, contentEnd)) {
                boolean maybeHeader = startsLikeHeader(b, pos, contentEnd);
                FlowFormat header = maybeHeader && line == 1 ? detectHeader(b, pos, contentEnd) : null;
                if (header == null) {
                    FlowRecord r = parseLine(format, b, pos, contentEnd, fallback);
                    if (r != null) {
                        sink.record(r);
                    } else {
                        // Concatenated objects can put a header mid-stream; anything else is malformed.
                        header = maybeHeader ? detectHeader(b, pos, contentEnd) : null;
                        if (header == null) {
                            sink.malformed(origin, line, lastReason);
                        }
                    }
                }
                if (header != null) {
                    format = header;
                    headerOrigin = origin;
                    headerFormat = header;
                }
            }
            lastReason = null;
            pos = lineEnd + 1;
            line++;
            index++;
        }
    }

    /** Parses one line; convenient for tools and tests. Returns empty for a header or bad line. */
    public Optional<FlowRecord> parseLine(FlowFormat format, String line) {
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        return Optional.ofNullable(parseLine(format, b, 0, b.length, FlowRecord.ABSENT));
    }

    /** Why the last line handed to {@link #parseLine(FlowFormat, byte[], int, int, long)} failed. */
    public String lastReason() {
        return lastReason;
    }

    /**
     * The hot path. Returns null (and sets {@link #lastReason()}) when the line does not fit the
     * format: wrong number of fields, a non-number in a numeric field, a number out of range, or
     * an address field with characters no IP address has.
     */
    public FlowRecord parseLine(FlowFormat format, byte[] b, int start, int end, long fallbackEventTime) {
        byte[] kinds = planFor(format);
        int n = kinds.length;
        long[] numbers = new long[n];
        String[] strs = new String[n];
        int pos = start;
        int col = 0;
        while (true) {
            while (pos < end && (b[pos] == ' ' || b[pos] == '\t')) {
                pos++;
            }
            if (pos >= end) {
                break;
            }
            int tokEnd = pos;
            while (tokEnd < end && b[tokEnd] != ' ' && b[tokEnd] != '\t') {
                tokEnd++;
            }
            if (col >= n) {
                lastReason = "expected " + n + " fields, found more";
                return null;
            }
            boolean absent = tokEnd - pos == 1 && b[pos] == '-';
            byte kind = kinds[col];
            if (kind == NUM) {
                if (absent) {
                    numbers[col] = FlowRecord.ABSENT;
                } else {
                    long v = parseNumber(b, pos, tokEnd, format.column(col).type().max());
                    if (v < 0) {
                        if (countTokens(b, start, end) != n) {
                            lastReason = "expected " + n + " fields, found " + countTokens(b, start, end);
                            return null;
                        }
                        lastReason = "field " + format.column(col).name() + ": expected a number up to "
                                + format.column(col).type().max() + ", got '" + printable(b, pos, tokEnd) + "'";
                        return null;
                    }
                    numbers[col] = v;
                }
            } else if (!absent) {
                if (kind == ADDR && !looksLikeAddress(b, pos, tokEnd)) {
                    if (countTokens(b, start, end) != n) {
                        lastReason = "expected " + n + " fields, found " + countTokens(b, start, end);
                        return null;
                    }
                    lastReason = "field " + format.column(col).name() + ": expected an IPv4 or IPv6 address, got '"
                            + printable(b, pos, tokEnd) + "'";
                    return null;
                }
                strs[col] = strings.get(b, pos, tokEnd);
            }
            col++;
            pos = tokEnd;
        }
        if (col != n) {
            lastReason = "expected " + n + " fields, found " + col;
            return null;
        }
        return FlowRecord.ofColumns(format, numbers, strs, fallbackEventTime);
    }

    private byte[] planFor(FlowFormat format) {
        if (format != planFormat) {
            byte[] p = new byte[format.size()];
            for (int i = 0; i < p.length; i++) {
                FlowField f = format.column(i).field();
                if (format.column(i).type().numeric()) {
                    p[i] = NUM;
                } else if (f == FlowField.SRCADDR || f == FlowField.DSTADDR
                        || f == FlowField.PKT_SRCADDR || f == FlowField.PKT_DSTADDR) {
                    p[i] = ADDR;
                } else {
                    p[i] = STR;
                }
            }
            planFormat = format;
            plan = p;
        }
        return plan;
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

    /** IPv4 dotted quads and IPv6 (hex, colons, an embedded IPv4 tail): a cheap character check. */
    private static boolean looksLikeAddress(byte[] b, int start, int end) {
        if (end - start > 45) {
            return false;
        }
        boolean colon = false;
        boolean dot = false;
        for (int i = start; i < end; i++) {
            byte c = b[i];
            if (c == ':') {
                colon = true;
            } else if (c == '.') {
                dot = true;
            } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
                return false;
            }
        }
        return colon || dot;
    }

    /** Only on the failure path: a wrong field count explains a bad line better than its first odd field. */
    private static int countTokens(byte[] b, int start, int end) {
        int n = 0;
        boolean in = false;
        for (int i = start; i < end; i++) {
            boolean sep = b[i] == ' ' || b[i] == '\t';
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

    private static boolean startsLikeHeader(byte[] b, int start, int end) {
        return start < end && b[start] >= 'a' && b[start] <= 'z';
    }

    private static boolean isBlank(byte[] b, int start, int end) {
        for (int i = start; i < end; i++) {
            if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r') {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] b, int from, int end) {
        for (int i = from; i < end; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
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
     * cached String saves the allocation and the copy.
     */
    static final class StringCache {
        private final byte[][] keys;
        private final String[] values;
        private final int mask;

        StringCache(int bits) {
            keys = new byte[1 << bits][];
            values = new String[1 << bits];
            mask = (1 << bits) - 1;
        }

        String get(byte[] b, int start, int end) {
            int len = end - start;
            if (len > 64) {
                return decode(b, start, end);
            }
            int h = len;
            for (int i = start; i < end; i++) {
                h = 31 * h + b[i];
            }
            h ^= h >>> 15;
            int slot = h & mask;
            byte[] k = keys[slot];
            if (k != null && k.length == len && Arrays.equals(k, 0, len, b, start, end)) {
                return values[slot];
            }
            String s = decode(b, start, end);
            keys[slot] = Arrays.copyOfRange(b, start, end);
            values[slot] = s;
            return s;
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
