package io.flowwatch.plugin.athena;

import software.amazon.awssdk.services.athena.model.ColumnInfo;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.List;
import java.util.Locale;

/**
 * Turns GetQueryResults' text values into Java values by the column's Athena type
 * (ColumnInfo.Type): integer types to {@link Long}, {@code double}/{@code real}/{@code float} to
 * {@link Double}, {@code decimal} to {@link BigDecimal}, {@code boolean} to {@link Boolean},
 * {@code timestamp} to {@link java.time.Instant} (Athena's text is UTC without a zone),
 * {@code date} to {@link LocalDate}; everything else (varchar, char, arrays, maps, ...) stays a
 * String. A missing VarCharValue is SQL NULL and becomes null before a converter is asked.
 */
final class AthenaValues {

    /** Converts one non-null value. */
    interface Converter {
        Object convert(String raw);
    }

    // Athena prints timestamps as "2024-05-01 12:34:56.789" (fraction optional, up to 9 digits).
    private static final DateTimeFormatter TIMESTAMP = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd HH:mm:ss")
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
            .toFormatter(Locale.ROOT);

    private AthenaValues() {
    }

    static Converter converter(String athenaType) {
        String t = athenaType == null ? "varchar" : athenaType.toLowerCase(Locale.ROOT);
        int paren = t.indexOf('(');
        String base = paren < 0 ? t : t.substring(0, paren);
        return switch (base.trim()) {
            case "tinyint", "smallint", "integer", "int", "bigint" -> Long::valueOf;
            case "double", "real", "float" -> AthenaValues::toDouble;
            case "decimal" -> BigDecimal::new;
            case "boolean" -> AthenaValues::toBoolean;
            case "timestamp" -> raw -> LocalDateTime.parse(raw, TIMESTAMP).toInstant(ZoneOffset.UTC);
            case "date" -> LocalDate::parse;
            default -> raw -> raw;
        };
    }

    private static Object toDouble(String raw) {
        return switch (raw) {
            case "NaN" -> Double.NaN;
            case "Infinity" -> Double.POSITIVE_INFINITY;
            case "-Infinity" -> Double.NEGATIVE_INFINITY;
            default -> Double.valueOf(raw);
        };
    }

    private static Object toBoolean(String raw) {
        if (raw.equalsIgnoreCase("true")) {
            return Boolean.TRUE;
        }
        if (raw.equalsIgnoreCase("false")) {
            return Boolean.FALSE;
        }
        throw new IllegalArgumentException("not a boolean: " + raw);
    }

    static String describe(int column, List<ColumnInfo> cols) {
        ColumnInfo c = cols.get(column);
        return c.type() + " (column " + c.name() + ")";
    }
}
