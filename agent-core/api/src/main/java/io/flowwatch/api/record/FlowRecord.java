package io.flowwatch.api.record;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One flow-log record, parsed against its {@link FlowFormat}. Immutable and thread-safe.
 *
 * <p>Values are stored by column: numeric columns in a {@code long[]} (no boxing on the hot
 * path), string columns in a {@code String[]}. An absent value ({@code -} in text) is
 * {@link #ABSENT} for numbers and {@code null} for strings.
 */
public final class FlowRecord {

    /** Marker for an absent numeric value; AWS numbers are never negative. */
    public static final long ABSENT = Long.MIN_VALUE;

    /*
     * Address columns keep, in their otherwise unused number slot, the IPv4 value of their text:
     * rules test addresses against networks for nearly every record, and a number is read where
     * the text would have to be parsed again (from memory long gone cold when records are many).
     * IPV4 | value for canonical dotted-quad text; NOT_IPV4 for anything else (IPv6, absent).
     */
    private static final long IPV4 = 1L << 32;
    private static final long NOT_IPV4 = 1L << 33;

    private final FlowFormat format;
    private final long[] numbers;
    private final String[] strings;
    private final long eventTime;

    private FlowRecord(FlowFormat format, long[] numbers, String[] strings, long eventTime) {
        this.format = format;
        this.numbers = numbers;
        this.strings = strings;
        this.eventTime = eventTime;
    }

    /**
     * Builds a record and takes ownership of both arrays (the caller must not touch them
     * afterwards): this is the parser's allocation-lean path.
     *
     * @param numbers  one slot per column; numeric columns hold the value or {@link #ABSENT}
     * @param strings  one slot per column; string columns hold the value or null
     * @param fallbackEventTime epoch seconds to use as event time when the record has no
     *                 {@code start} (e.g. the CloudWatch event timestamp), or {@link #ABSENT}
     */
    public static FlowRecord ofColumns(FlowFormat format, long[] numbers, String[] strings, long fallbackEventTime) {
        Objects.requireNonNull(format, "format");
        if (numbers.length != format.size() || strings.length != format.size()) {
            throw new IllegalArgumentException("column arrays must have one slot per format column");
        }
        for (int col : format.addressColumns()) {
            long code = numbers[col];
            if (code != NOT_IPV4 && (code & ~0xffffffffL) != IPV4) {
                numbers[col] = ipv4Code(strings[col]); // not given by the caller (the parser gives it)
            }
        }
        int startIdx = format.indexOf(FlowField.START);
        long start = startIdx >= 0 ? numbers[startIdx] : ABSENT;
        return new FlowRecord(format, numbers, strings, start != ABSENT ? start : fallbackEventTime);
    }

    public static Builder builder(FlowFormat format) {
        return new Builder(format);
    }

    public FlowFormat format() {
        return format;
    }

    /** Event time in epoch seconds: {@code start}, else the fallback given by the source, else {@link #ABSENT}. */
    public long eventTime() {
        return eventTime;
    }

    public boolean has(FlowField field) {
        int i = format.indexOf(field);
        return i >= 0 && isPresent(i);
    }

    /** The numeric value of a field, or {@link #ABSENT} when missing from the format or the record. */
    public long getLong(FlowField field) {
        int i = format.indexOf(field);
        return i < 0 || !format.isNumeric(i) ? ABSENT : numbers[i];
    }

    /** The text value of a field (numbers rendered as decimal), or null when absent. */
    public String getString(FlowField field) {
        int i = format.indexOf(field);
        return i < 0 ? null : stringAt(i);
    }

    public boolean isPresent(int column) {
        return format.isNumeric(column) ? numbers[column] != ABSENT : strings[column] != null;
    }

    public long longAt(int column) {
        return numbers[column];
    }

    /** Text of a column, numbers rendered as decimal; null when absent. */
    public String stringAt(int column) {
        if (format.isNumeric(column)) {
            long v = numbers[column];
            return v == ABSENT ? null : Long.toString(v);
        }
        return strings[column];
    }

    /**
     * The IPv4 address in an address column ({@code srcaddr}, {@code dstaddr}, {@code pkt-srcaddr},
     * {@code pkt-dstaddr}) as an unsigned 32-bit value, or -1 when it holds no IPv4 address in
     * canonical dotted-quad form (IPv6, absent, or a column that is not an address column).
     */
    public long ipv4At(int column) {
        long code = numbers[column];
        return (code & ~0xffffffffL) == IPV4 && format.isAddressColumn(column) ? code & 0xffffffffL : -1;
    }

    /**
     * The code a parser stores for an address column's text (see {@link #ofColumns}): lets a
     * parser that already validated the bytes hand over the value instead of having it parsed
     * again. Canonical dotted quads only: four decimal octets 0..255 without leading zeros.
     */
    public static long ipv4Code(CharSequence text) {
        if (text == null) {
            return NOT_IPV4;
        }
        // Off the parser's path (builders, restored state): one implementation, over bytes. A
        // character outside Latin-1 becomes '?', which no address has.
        byte[] b = text.toString().getBytes(StandardCharsets.ISO_8859_1);
        return ipv4Code(b, 0, b.length);
    }

    /** As {@link #ipv4Code(CharSequence)}, for ASCII bytes. */
    public static long ipv4Code(byte[] b, int start, int end) {
        long v = 0;
        int parts = 0;
        int i = start;
        while (true) {
            int from = i;
            int octet = 0;
            while (i < end && i - from < 3) {
                int d = b[i] - '0';
                if (d < 0 || d > 9) {
                    break;
                }
                octet = octet * 10 + d;
                i++;
            }
            int len = i - from;
            if (len == 0 || octet > 255 || (len > 1 && b[from] == '0')) {
                return NOT_IPV4;
            }
            v = (v << 8) | octet;
            if (++parts == 4) {
                return i == end ? IPV4 | v : NOT_IPV4;
            }
            if (i >= end || b[i] != '.') {
                return NOT_IPV4;
            }
            i++;
        }
    }

    /** Boxed value of a column: Long for numeric columns, String otherwise, null when absent. */
    public Object valueAt(int column) {
        if (format.isNumeric(column)) {
            long v = numbers[column];
            return v == ABSENT ? null : v;
        }
        return strings[column];
    }

    /** Value by AWS name (known or unknown column): Long, String or null. */
    public Object get(String awsName) {
        int i = format.indexOf(awsName);
        return i < 0 ? null : valueAt(i);
    }

    /** The record as a flow-log text line in its own format ({@code -} for absent values). */
    public String toLine() {
        StringBuilder sb = new StringBuilder(128);
        for (int i = 0; i < format.size(); i++) {
            if (i > 0) {
                sb.append(' ');
            }
            String s = stringAt(i);
            sb.append(s == null ? "-" : s);
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return toLine();
    }

    /** Builds a record column by column, for sources that read typed storage (e.g. Parquet). */
    public static final class Builder {
        private final FlowFormat format;
        private final long[] numbers;
        private final String[] strings;
        private long fallbackEventTime = ABSENT;

        private Builder(FlowFormat format) {
            this.format = Objects.requireNonNull(format, "format");
            this.numbers = new long[format.size()];
            this.strings = new String[format.size()];
            java.util.Arrays.fill(numbers, ABSENT);
        }

        public Builder set(int column, long value) {
            if (!format.column(column).type().numeric()) {
                strings[column] = Long.toString(value);
            } else {
                numbers[column] = value;
            }
            return this;
        }

        public Builder set(int column, String value) {
            if (format.column(column).type().numeric()) {
                numbers[column] = value == null ? ABSENT : Long.parseLong(value);
            } else {
                strings[column] = value;
            }
            return this;
        }

        public Builder set(FlowField field, long value) {
            return set(requireColumn(field), value);
        }

        public Builder set(FlowField field, String value) {
            return set(requireColumn(field), value);
        }

        public Builder fallbackEventTime(long epochSeconds) {
            this.fallbackEventTime = epochSeconds;
            return this;
        }

        private int requireColumn(FlowField field) {
            int i = format.indexOf(field);
            if (i < 0) {
                throw new IllegalArgumentException("format has no field " + field.awsName());
            }
            return i;
        }

        public FlowRecord build() {
            return ofColumns(format, numbers.clone(), strings.clone(), fallbackEventTime);
        }
    }
}
