package io.flowwatch.api.record;

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
        return i < 0 || !format.column(i).type().numeric() ? ABSENT : numbers[i];
    }

    /** The text value of a field (numbers rendered as decimal), or null when absent. */
    public String getString(FlowField field) {
        int i = format.indexOf(field);
        return i < 0 ? null : stringAt(i);
    }

    public boolean isPresent(int column) {
        return format.column(column).type().numeric() ? numbers[column] != ABSENT : strings[column] != null;
    }

    public long longAt(int column) {
        return numbers[column];
    }

    /** Text of a column, numbers rendered as decimal; null when absent. */
    public String stringAt(int column) {
        if (format.column(column).type().numeric()) {
            long v = numbers[column];
            return v == ABSENT ? null : Long.toString(v);
        }
        return strings[column];
    }

    /** Boxed value of a column: Long for numeric columns, String otherwise, null when absent. */
    public Object valueAt(int column) {
        if (format.column(column).type().numeric()) {
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
