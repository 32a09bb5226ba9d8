package io.flowwatch.plugin.rules.pattern;

/**
 * The number grammar of filter patterns and of the fields they compare: an optional sign,
 * digits with an optional fraction, an optional exponent ({@code 22}, {@code +1000}, {@code 55.5},
 * {@code 10e3}) — the grammar AWS documents for numeric comparisons. Hand-written so that the
 * per-record path parses without regex or allocation (decimals, which flow logs never contain,
 * go through {@link Double#parseDouble}).
 */
final class Numbers {

    /** Returned by {@link #parseInteger} when the text is not a plain integer that fits a long. */
    static final long NOT_INTEGER = Long.MIN_VALUE;

    private Numbers() {
    }

    /**
     * The value of {@code [+-]?digits} when it fits a long, else {@link #NOT_INTEGER} (also for
     * {@code Long.MIN_VALUE} itself, which then takes the decimal path and compares the same).
     */
    static long parseInteger(CharSequence s) {
        int n = s.length();
        int i = 0;
        boolean negative = false;
        if (n > 0 && (s.charAt(0) == '+' || s.charAt(0) == '-')) {
            negative = s.charAt(0) == '-';
            i = 1;
        }
        if (i == n) {
            return NOT_INTEGER;
        }
        long v = 0;
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return NOT_INTEGER;
            }
            int d = c - '0';
            if (v > (Long.MAX_VALUE - d) / 10) {
                return NOT_INTEGER;
            }
            v = v * 10 + d;
        }
        return negative ? -v : v;
    }

    /** True when {@code s} is a number in the grammar above. */
    static boolean isNumber(CharSequence s) {
        int n = s.length();
        int i = 0;
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            i++;
        }
        int intDigits = 0;
        while (i < n && isDigit(s.charAt(i))) {
            i++;
            intDigits++;
        }
        int fracDigits = 0;
        if (i < n && s.charAt(i) == '.') {
            i++;
            while (i < n && isDigit(s.charAt(i))) {
                i++;
                fracDigits++;
            }
        }
        if (intDigits + fracDigits == 0) {
            return false;
        }
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            i++;
            if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                i++;
            }
            int expDigits = 0;
            while (i < n && isDigit(s.charAt(i))) {
                i++;
                expDigits++;
            }
            if (expDigits == 0) {
                return false;
            }
        }
        return i == n;
    }

    /** The value of a non-integer number, or NaN when {@code s} is not a number. */
    static double parseDecimal(CharSequence s) {
        return isNumber(s) ? Double.parseDouble(s.toString()) : Double.NaN;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
