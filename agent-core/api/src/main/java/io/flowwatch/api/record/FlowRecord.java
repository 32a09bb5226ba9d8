package io.flowwatch.api.record;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One flow-log record, parsed against its {@link FlowFormat}. Immutable and thread-safe.
 *
 * <p>Values are stored in two arrays laid out by the format ({@link FlowFormat#numberSlot},
 * {@link FlowFormat#textSlot}): numbers in a {@code long[]} (no boxing on the hot path), text in
 * a {@code String[]}. An absent value ({@code -} in text) is {@link #ABSENT} for numbers and
 * {@code null} for text.
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
     * Builds a record from one value per column (convenient for typed sources and tools; the
     * arrays are copied into the record's own layout).
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
        long[] n = new long[format.numberSlots()];
        String[] t = new String[format.textSlots()];
        for (int col = 0; col < format.size(); col++) {
            int ns = format.numberSlot(col);
            if (ns >= 0) {
                n[ns] = numbers[col];
            }
            int ts = format.textSlot(col);
            if (ts >= 0) {
                t[ts] = strings[col];
            }
        }
        return ofSlots(format, n, t, fallbackEventTime);
    }

    /**
     * Builds a record from its values laid out as the format says, and takes ownership of both
     * arrays (the caller must not touch them afterwards): the parser's allocation-lean path.
     *
     * @param numbers  {@link FlowFormat#numberSlots()} values: numeric columns' values (or
     *                 {@link #ABSENT}) at their {@link FlowFormat#numberSlot}, and for each address
     *                 column there its IPv4 code (see {@link #ipv4Code}), or anything else to have it
     *                 worked out from the text
     * @param strings  {@link FlowFormat#textSlots()} values: text columns' values (or null) at their
     *                 {@link FlowFormat#textSlot}
     * @param fallbackEventTime as for {@link #ofColumns}
     */
    public static FlowRecord ofSlots(FlowFormat format, long[] numbers, String[] strings, long fallbackEventTime) {
        Objects.requireNonNull(format, "format");
        if (numbers.length != format.numberSlots() || strings.length != format.textSlots()) {
            throw new IllegalArgumentException("value arrays must have the format's number and text slots");
        }
        for (int col : format.addressColumns()) {
            int ns = format.numberSlot(col);
            long code = numbers[ns];
            if (code != NOT_IPV4 && (code & ~0xffffffffL) != IPV4) {
                numbers[ns] = ipv4Code(strings[format.textSlot(col)]); // not given by the caller (the parser gives it)
            }
        }
        int startIdx = format.indexOf(FlowField.START);
        long start = startIdx >= 0 && format.isNumeric(startIdx) ? numbers[format.numberSlot(startIdx)] : ABSENT;
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
        return i < 0 ? ABSENT : longAt(i);
    }

    /** The text value of a field (numbers rendered as decimal), or null when absent. */
    public String getString(FlowField field) {
        int i = format.indexOf(field);
        return i < 0 ? null : stringAt(i);
    }

    public boolean isPresent(int column) {
        return format.isNumeric(column) ? numbers[format.numberSlot(column)] != ABSENT : strings[format.textSlot(column)] != null;
    }

    /** The value of a numeric column ({@link #ABSENT} when absent); {@link #ABSENT} for a text column. */
    public long longAt(int column) {
        int slot = format.valueSlot(column);
        return slot < 0 ? ABSENT : numbers[slot];
    }

    /** Text of a column, numbers rendered as decimal; null when absent. */
    public String stringAt(int column) {
        if (format.isNumeric(column)) {
            long v = numbers[format.numberSlot(column)];
            return v == ABSENT ? null : Long.toString(v);
        }
        return strings[format.textSlot(column)];
    }

    /**
     * The IPv4 address in an address column ({@code srcaddr}, {@code dstaddr}, {@code pkt-srcaddr},
     * {@code pkt-dstaddr}) as an unsigned 32-bit value, or -1 when it holds no IPv4 address in
     * canonical dotted-quad form (IPv6, absent, or a column that is not an address column).
     */
    public long ipv4At(int column) {
        if (!format.isAddressColumn(column)) {
            return -1;
        }
        long code = numbers[format.numberSlot(column)];
        return (code & ~0xffffffffL) == IPV4 ? code & 0xffffffffL : -1;
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
            long v = numbers[format.numberSlot(column)];
            return v == ABSENT ? null : v;
        }
        return strings[format.textSlot(column)];
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
            return ofColumns(format, numbers, strings, fallbackEventTime); // copies: the builder stays reusable
        }
    }
}
