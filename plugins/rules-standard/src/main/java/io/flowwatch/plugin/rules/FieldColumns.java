package io.flowwatch.plugin.rules;

import io.flowwatch.api.config.ConfigReader;
import io.flowwatch.api.record.FlowField;
import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;
import io.flowwatch.plugin.rules.predicate.RecordCondition;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The columns that a rule's field names ({@code group-by}, {@code distinct}, {@code sum}) refer to in
 * a record's format. A name the record condition defines itself (a bracket pattern's positional
 * names) wins over an AWS field name. Resolved once per format: records of one batch share their
 * format instance, so the per-record cost is one identity check.
 */
final class FieldColumns {

    private final List<String> names;
    private final RecordCondition condition;
    private FlowFormat format;
    private int[] columns;

    FieldColumns(List<String> names, RecordCondition condition) {
        this.names = List.copyOf(names);
        this.condition = condition;
    }

    List<String> names() {
        return names;
    }

    /** One column index per name for this format, -1 where the format lacks it. */
    int[] in(FlowFormat f) {
        if (f != format) {
            int[] c = new int[names.size()];
            for (int i = 0; i < c.length; i++) {
                int own = condition.columnOf(names.get(i));
                c[i] = own >= 0 && own < f.size() ? own : f.indexOf(names.get(i));
            }
            columns = c;
            format = f;
        }
        return columns;
    }

    /**
     * The record's group key: its values of the fields, absent ones as {@code -}. A list rather
     * than a map keeps the per-record allocation to the list itself; {@link #labels} names it.
     */
    List<String> keyOf(FlowRecord r) {
        int[] c = in(r.format());
        switch (c.length) {
            case 0:
                return List.of();
            case 1:
                return List.of(valueOf(r, c[0]));
            default:
                String[] v = new String[c.length];
                for (int i = 0; i < c.length; i++) {
                    v[i] = valueOf(r, c[i]);
                }
                return Arrays.asList(v);
        }
    }

    /**
     * The record's key in the cheapest form that tells keys apart, for map lookups: with one field
     * (the usual {@code group-by = [srcaddr]}) the value itself, which needs no list per record and
     * is usually the very String instance the map holds already; else {@link #keyOf}.
     * {@link #asList} turns it back into the list.
     */
    Object lookupKey(FlowRecord r) {
        if (names.size() == 1) {
            return valueOf(r, in(r.format())[0]);
        }
        return keyOf(r);
    }

    /** A {@link #lookupKey} as the list of the key's values. */
    @SuppressWarnings("unchecked")
    List<String> asList(Object lookupKey) {
        return lookupKey instanceof String s ? List.of(s) : (List<String>) lookupKey;
    }

    /** The {@link #lookupKey} of a key given as its values (one per name). */
    Object fromList(List<String> key) {
        return names.size() == 1 ? key.get(0) : List.copyOf(key);
    }

    /** The key as field name to value, the shape alerts carry. */
    Map<String, String> labels(List<String> key) {
        Map<String, String> m = new TreeMap<>();
        for (int i = 0; i < names.size(); i++) {
            m.put(names.get(i), key.get(i));
        }
        return m;
    }

    private static String valueOf(FlowRecord r, int column) {
        if (column < 0) {
            return "-";
        }
        String s = r.stringAt(column);
        return s == null ? "-" : s;
    }

    /**
     * Records a problem unless every name is a documented flow-log field or a name the condition
     * defines; a misspelt name would otherwise silently group everything under {@code -}.
     */
    static void checkKnown(ConfigReader r, String key, List<String> names, RecordCondition condition) {
        for (String n : names) {
            if (FlowField.byAwsName(n).isEmpty() && condition.columnOf(n) < 0) {
                r.problem(key, "expected a flow-log field name such as srcaddr, dstaddr or dstport, got '" + n + "'");
            }
        }
    }

    /** "5m", "1h", "90s": how windows appear in summaries. */
    static String human(long seconds) {
        if (seconds % 3600 == 0) {
            return seconds / 3600 + "h";
        }
        if (seconds % 60 == 0) {
            return seconds / 60 + "m";
        }
        return seconds + "s";
    }
}
