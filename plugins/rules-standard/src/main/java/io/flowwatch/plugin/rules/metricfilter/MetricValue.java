package io.flowwatch.plugin.rules.metricfilter;

import io.flowwatch.api.record.FlowRecord;

/**
 * A metric filter's {@code value}: a constant ({@code "1"}, {@code "0.5"}) or {@code $field}. As
 * in CloudWatch, a record whose field is absent or not a number publishes nothing.
 */
final class MetricValue {

    private final double constant;
    private final FieldRef field;

    private MetricValue(double constant, FieldRef field) {
        this.constant = constant;
        this.field = field;
    }

    static MetricValue constant(double v) {
        return new MetricValue(v, null);
    }

    static MetricValue field(FieldRef f) {
        return new MetricValue(Double.NaN, f);
    }

    /** The record's value, NaN when it has none. */
    double of(FlowRecord r) {
        if (field == null) {
            return constant;
        }
        int col = field.column(r);
        if (col < 0 || !r.isPresent(col)) {
            return Double.NaN;
        }
        if (r.format().isNumeric(col)) {
            return r.longAt(col);
        }
        return parseNumber(r.stringAt(col));
    }

    /** A plain decimal number (optional sign, digits, optional fraction); NaN for anything else. No exceptions, no regex. */
    static double parseNumber(String s) {
        int n = s.length();
        int i = 0;
        boolean negative = false;
        if (i < n && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
            negative = s.charAt(i) == '-';
            i++;
        }
        long whole = 0;
        int digits = 0;
        for (; i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9'; i++, digits++) {
            if (digits == 18) {
                return Double.NaN; // beyond long precision: no flow-log field is that long
            }
            whole = whole * 10 + (s.charAt(i) - '0');
        }
        double v = whole;
        if (i < n && s.charAt(i) == '.') {
            i++;
            double scale = 0.1;
            for (; i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9'; i++, digits++) {
                v += (s.charAt(i) - '0') * scale;
                scale /= 10;
            }
        }
        if (i != n || digits == 0) {
            return Double.NaN;
        }
        return negative ? -v : v;
    }
}
