package io.flowwatch.plugin.rules.pattern;

/**
 * One comparison inside a bracket-pattern field ({@code destport=22}, {@code action=REJ*},
 * {@code bytes>=100}), compiled once. A field's text is either a {@link CharSequence} (a token
 * of a raw line, a string column, or {@code -} for an absent value) or, for a present numeric
 * column, its {@code long} — which is compared without ever rendering it, except for wildcards.
 */
abstract class ValueTest {

    /** Tests a field given as text. */
    abstract boolean test(CharSequence text);

    /**
     * Tests a present numeric column, whose text in the log is {@code Long.toString(value)}.
     * {@code scratch} is a reusable buffer for the rare test that needs that text.
     */
    abstract boolean test(long value, StringBuilder scratch);

    /** Comparison operators; {@code holds} takes the sign of {@code field compared to value}. */
    enum Op {
        EQ("="), NE("!="), LT("<"), LE("<="), GT(">"), GE(">=");

        final String symbol;

        Op(String symbol) {
            this.symbol = symbol;
        }

        boolean holds(int cmp) {
            return switch (this) {
                case EQ -> cmp == 0;
                case NE -> cmp != 0;
                case LT -> cmp < 0;
                case LE -> cmp <= 0;
                case GT -> cmp > 0;
                case GE -> cmp >= 0;
            };
        }
    }

    /**
     * {@code name=text} / {@code name!=text} with a value that is neither a number nor has a
     * wildcard: exact, case-sensitive string equality.
     */
    static final class Equals extends ValueTest {
        private final String literal;
        private final boolean negate;

        Equals(String literal, boolean negate) {
            this.literal = literal;
            this.negate = negate;
        }

        @Override
        boolean test(CharSequence text) {
            return literal.contentEquals(text) != negate;
        }

        @Override
        boolean test(long value, StringBuilder scratch) {
            // A number's text is always a number, and the literal is not one (numbers compile to
            // Compare), so they can never be equal.
            return negate;
        }
    }

    /**
     * {@code name=te*xt}: every {@code *} matches any run of characters (also none), anywhere in
     * the value. The field must match as a whole.
     */
    static final class Glob extends ValueTest {
        private final String[] segments; // the value split on '*': at least two entries
        private final int minLength;
        private final boolean negate;

        Glob(String value, boolean negate) {
            this.segments = value.split("\\*", -1);
            int len = 0;
            for (String s : segments) {
                len += s.length();
            }
            this.minLength = len;
            this.negate = negate;
        }

        @Override
        boolean test(CharSequence text) {
            return matches(text) != negate;
        }

        @Override
        boolean test(long value, StringBuilder scratch) {
            scratch.setLength(0);
            scratch.append(value);
            return matches(scratch) != negate;
        }

        private boolean matches(CharSequence t) {
            int n = t.length();
            if (n < minLength) {
                return false;
            }
            String first = segments[0];
            String last = segments[segments.length - 1];
            if (!regionEquals(t, 0, first)) {
                return false;
            }
            int end = n - last.length();
            if (!regionEquals(t, end, last)) {
                return false;
            }
            int from = first.length();
            for (int i = 1; i < segments.length - 1; i++) {
                int at = indexOf(t, segments[i], from, end);
                if (at < 0) {
                    return false;
                }
                from = at + segments[i].length();
            }
            return true;
        }

        /** First index {@code >= from} where {@code s} occurs wholly before {@code end}, or -1. */
        private static int indexOf(CharSequence t, String s, int from, int end) {
            for (int i = from; i + s.length() <= end; i++) {
                if (regionEquals(t, i, s)) {
                    return i;
                }
            }
            return -1;
        }
    }

    /**
     * A numeric comparison ({@code =}, {@code !=} with a number, and every ordering). A field that
     * is not a number never matches — not even {@code !=} — so {@code destport!=22} skips
     * records whose port is {@code -}.
     */
    static final class Compare extends ValueTest {
        private final Op op;
        private final long integer;   // the value when it is an integer, else NOT_INTEGER
        private final double decimal; // the value as a double, always set

        Compare(Op op, String number) {
            this.op = op;
            this.integer = Numbers.parseInteger(number);
            this.decimal = Double.parseDouble(number);
        }

        @Override
        boolean test(CharSequence text) {
            long v = Numbers.parseInteger(text);
            if (v != Numbers.NOT_INTEGER) {
                return test(v, null);
            }
            double d = Numbers.parseDecimal(text);
            return !Double.isNaN(d) && op.holds(compare(d, decimal));
        }

        @Override
        boolean test(long value, StringBuilder scratch) {
            return op.holds(integer != Numbers.NOT_INTEGER ? Long.compare(value, integer) : compare(value, decimal));
        }

        /** Like Double.compare but with -0.0 == 0.0, as numbers compare. */
        private static int compare(double a, double b) {
            return a < b ? -1 : a > b ? 1 : 0;
        }
    }

    static boolean regionEquals(CharSequence t, int at, String s) {
        if (at < 0 || at + s.length() > t.length()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (t.charAt(at + i) != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
