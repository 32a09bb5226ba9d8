package io.flowwatch.plugin.rules.metricfilter;

import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;
import io.flowwatch.plugin.rules.predicate.RecordCondition;

/**
 * A field a metric filter names ({@code $bytes} in {@code value}, an entry of {@code labels}):
 * a name the rule's condition defines (a bracket pattern's own field name, positional) or else
 * an AWS field name looked up in each record's format. Evaluator-thread only: it caches the
 * column for the last format seen.
 */
final class FieldRef {

    final String name;
    private final int patternColumn;
    private FlowFormat cachedFormat;
    private int cachedColumn = -1;

    FieldRef(String name, RecordCondition condition) {
        this.name = name;
        this.patternColumn = condition.columnOf(name);
    }

    /** Whether the name means anything before records arrive: a condition field or a known AWS field. */
    boolean resolvable() {
        return patternColumn >= 0 || io.flowwatch.api.record.FlowField.byAwsName(name).isPresent();
    }

    /** The column in this record's format, or -1 when the format lacks the field. */
    int column(FlowRecord r) {
        FlowFormat f = r.format();
        if (f != cachedFormat) {
            cachedColumn = patternColumn >= 0 ? (patternColumn < f.size() ? patternColumn : -1) : f.indexOf(name);
            cachedFormat = f;
        }
        return cachedColumn;
    }
}
