package io.flowwatch.plugin.rules.pattern;

import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;

import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * A compiled bracket pattern {@code [f1, f2=..., ..., fn]}: one slot per field, each with an
 * optional condition in disjunctive normal form ({@code ||} of {@code &&} of comparisons, since
 * {@code &&} binds tighter, as in AWS's JSON patterns).
 *
 * <p>Field counting (CloudWatch Logs user guide): without {@code ...} the line must have exactly
 * as many fields as the pattern — the guide's {@code [w1=ERROR, w2]} matches "ERROR message" but
 * not "ERROR WARN message". A single {@code ...} stands for any number (also zero) of fields:
 * the fields before it are counted from the start of the line, those after it from the end.
 *
 * <p>A record's fields are its columns in format order, each as its log text ({@code -} when
 * absent). Not thread-safe (a scratch buffer is reused): one instance per evaluator thread.
 */
final class DelimitedPattern implements CompiledPattern {

    private final String[] names;          // per field; null for '...' and for empty fields
    private final ValueTest[][][] conditions; // per field: OR of ANDs; null = any value
    private final int ellipsis;             // index of '...', or -1
    // The fields that carry a condition, and their conditions: a record is tested against these
    // only (usually two or three of a line's fourteen fields), in pattern order.
    private final int[] tested;
    private final ValueTest[][][] testedConditions;
    private final StringBuilder scratch = new StringBuilder(24);

    DelimitedPattern(List<String> names, List<ValueTest[][]> conditions, int ellipsis) {
        this.names = names.toArray(new String[0]);
        this.conditions = conditions.toArray(new ValueTest[0][][]);
        this.ellipsis = ellipsis;
        this.tested = IntStream.range(0, this.conditions.length).filter(i -> this.conditions[i] != null).toArray();
        this.testedConditions = Arrays.stream(tested).mapToObj(i -> this.conditions[i]).toArray(ValueTest[][][]::new);
    }

    /** Column of field {@code i} in a line of {@code size} fields whose count fits the pattern. */
    private int columnOfField(int i, int size) {
        return ellipsis < 0 || i < ellipsis ? i : size - (names.length - i);
    }

    private boolean countFits(int size) {
        return ellipsis < 0 ? size == names.length : size >= names.length - 1;
    }

    @Override
    public boolean test(FlowRecord r) {
        FlowFormat f = r.format();
        int size = f.size();
        if (!countFits(size)) {
            return false;
        }
        for (int k = 0; k < tested.length; k++) {
            int col = columnOfField(tested[k], size);
            if (!holds(testedConditions[k], r, col, f.isNumeric(col))) {
                return false;
            }
        }
        return true;
    }

    private boolean holds(ValueTest[][] anyOf, FlowRecord r, int col, boolean numeric) {
        for (ValueTest[] allOf : anyOf) {
            boolean ok = true;
            for (ValueTest t : allOf) {
                boolean m;
                if (numeric) {
                    long v = r.longAt(col);
                    m = v != FlowRecord.ABSENT ? t.test(v, scratch) : t.test("-");
                } else {
                    String s = r.stringAt(col);
                    m = t.test(s == null ? "-" : s);
                }
                if (!m) {
                    ok = false;
                    break;
                }
            }
            if (ok) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean matchesLine(String line) {
        List<String> fields = LineFields.split(line);
        int size = fields.size();
        if (!countFits(size)) {
            return false;
        }
        for (int i = 0; i < conditions.length; i++) {
            ValueTest[][] anyOf = conditions[i];
            if (anyOf != null && !holds(anyOf, fields.get(columnOfField(i, size)))) {
                return false;
            }
        }
        return true;
    }

    private static boolean holds(ValueTest[][] anyOf, String field) {
        for (ValueTest[] allOf : anyOf) {
            boolean ok = true;
            for (ValueTest t : allOf) {
                if (!t.test(field)) {
                    ok = false;
                    break;
                }
            }
            if (ok) {
                return true;
            }
        }
        return false;
    }

    @Override
    public int columnOf(String name) {
        int end = ellipsis < 0 ? names.length : ellipsis;
        for (int i = 0; i < end; i++) {
            if (name.equals(names[i])) {
                return i;
            }
        }
        return -1;
    }
}
