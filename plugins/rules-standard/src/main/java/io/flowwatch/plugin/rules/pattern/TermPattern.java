package io.flowwatch.plugin.rules.pattern;

import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;

import java.util.List;

/**
 * A compiled term pattern ({@code REJECT}, {@code ERROR -ARGUMENTS}, {@code ?22 ?3389},
 * {@code "10.0.1.5 443"}) matched against the whole line: every plain term must occur, no
 * {@code -}term may occur, and when there are {@code ?}terms at least one of them must occur.
 * Matching is case-sensitive.
 *
 * <p>How a term "occurs" — judgment call, documented here. The current CloudWatch Logs guide
 * matches terms as words: {@code ERROR} matches "[ERROR 400] BAD REQUEST", terms "include"
 * only alphanumerics and underscores, and anything else must be quoted; AWS tokenises events on
 * the other characters. So a term occurs where its text appears with no letter, digit or
 * {@code _} directly before it (if the term starts with one) and none directly after it (if it
 * ends with one): {@code 22} occurs in "10.0.0.22" and "22 6" but not in "2222" or "ERROR_22".
 * The old guide's claim that {@code ERROR} matches "ERRORCODE" is not followed. A quoted phrase
 * is one term ({@code "10.0.1.5 443"} must occur with exactly that text). A blank quoted term
 * ({@code " "}) matches every line, as the guide's "match everything" example says.
 *
 * <p>A term without spaces always lies within one field, so records are searched column by
 * column without building the line, and a numeric column is compared as a number; phrases with
 * spaces search the line, rendered into a reused buffer. Not thread-safe: one instance per
 * evaluator thread.
 */
final class TermPattern implements CompiledPattern {

    /** The empty pattern. */
    static final TermPattern EVERYTHING = new TermPattern(List.of(), List.of(), List.of());

    /** One term, with what the per-record search needs precomputed. */
    static final class Term {
        final String text;
        final boolean always;     // blank: matches every line
        final boolean hasSpace;   // can span fields: search the whole line
        final boolean wordStart;  // first char is a word char: needs a boundary before
        final boolean wordEnd;    // last char is a word char: needs a boundary after
        final boolean allDigits;
        final long digitsValue;   // the value when all digits without a leading zero, else -1

        Term(String text) {
            this.text = text;
            this.always = text.isBlank();
            this.hasSpace = text.indexOf(' ') >= 0;
            this.wordStart = !text.isEmpty() && isWordChar(text.charAt(0));
            this.wordEnd = !text.isEmpty() && isWordChar(text.charAt(text.length() - 1));
            boolean digits = !text.isEmpty();
            for (int i = 0; i < text.length() && digits; i++) {
                digits = text.charAt(i) >= '0' && text.charAt(i) <= '9';
            }
            this.allDigits = digits;
            long v = digits && (text.length() == 1 || text.charAt(0) != '0') ? Numbers.parseInteger(text) : -1;
            this.digitsValue = v == Numbers.NOT_INTEGER ? -1 : v;
        }

        boolean occursIn(CharSequence hay) {
            if (always) {
                return true;
            }
            int n = hay.length();
            int m = text.length();
            char first = text.charAt(0);
            for (int i = 0; i + m <= n; i++) {
                if (hay.charAt(i) == first && ValueTest.regionEquals(hay, i, text)
                        && !(wordStart && i > 0 && isWordChar(hay.charAt(i - 1)))
                        && !(wordEnd && i + m < n && isWordChar(hay.charAt(i + m)))) {
                    return true;
                }
            }
            return false;
        }
    }

    private final Term[] required;
    private final Term[] excluded;
    private final Term[] anyOf;
    private final boolean needsLine;
    private final StringBuilder line = new StringBuilder(160);
    private final StringBuilder scratch = new StringBuilder(24);

    TermPattern(List<Term> required, List<Term> excluded, List<Term> anyOf) {
        this.required = required.toArray(new Term[0]);
        this.excluded = excluded.toArray(new Term[0]);
        this.anyOf = anyOf.toArray(new Term[0]);
        boolean spaces = false;
        for (List<Term> l : List.of(required, excluded, anyOf)) {
            for (Term t : l) {
                spaces |= t.hasSpace && !t.always;
            }
        }
        this.needsLine = spaces;
    }

    static boolean isWordChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    }

    @Override
    public boolean test(FlowRecord r) {
        if (needsLine) {
            renderLine(r);
        }
        for (Term t : required) {
            if (!occursIn(t, r)) {
                return false;
            }
        }
        for (Term t : excluded) {
            if (occursIn(t, r)) {
                return false;
            }
        }
        if (anyOf.length == 0) {
            return true;
        }
        for (Term t : anyOf) {
            if (occursIn(t, r)) {
                return true;
            }
        }
        return false;
    }

    /** The record's {@link FlowRecord#toLine()} text, into the reused buffer (numbers appended without boxing). */
    private void renderLine(FlowRecord r) {
        line.setLength(0);
        FlowFormat f = r.format();
        for (int i = 0; i < f.size(); i++) {
            if (i > 0) {
                line.append(' ');
            }
            if (!r.isPresent(i)) {
                line.append('-');
            } else if (f.isNumeric(i)) {
                line.append(r.longAt(i));
            } else {
                line.append(r.stringAt(i));
            }
        }
    }

    private boolean occursIn(Term t, FlowRecord r) {
        if (t.always) {
            return true;
        }
        if (t.hasSpace) {
            return t.occursIn(line);
        }
        FlowFormat f = r.format();
        for (int i = 0; i < f.size(); i++) {
            if (!r.isPresent(i)) {
                if (t.occursIn("-")) {
                    return true;
                }
            } else if (f.isNumeric(i)) {
                long v = r.longAt(i);
                if (v >= 0) {
                    // The text is all digits, so a word-bounded occurrence of a digits term is the
                    // whole text, and a term with any other character cannot occur.
                    if (t.allDigits && v == t.digitsValue) {
                        return true;
                    }
                } else {
                    scratch.setLength(0);
                    scratch.append(v);
                    if (t.occursIn(scratch)) {
                        return true;
                    }
                }
            } else if (t.occursIn(r.stringAt(i))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean matchesLine(String text) {
        for (Term t : required) {
            if (!t.occursIn(text)) {
                return false;
            }
        }
        for (Term t : excluded) {
            if (t.occursIn(text)) {
                return false;
            }
        }
        if (anyOf.length == 0) {
            return true;
        }
        for (Term t : anyOf) {
            if (t.occursIn(text)) {
                return true;
            }
        }
        return false;
    }
}
