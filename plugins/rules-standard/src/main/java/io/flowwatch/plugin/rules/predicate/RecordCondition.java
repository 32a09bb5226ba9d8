package io.flowwatch.plugin.rules.predicate;

import io.flowwatch.api.record.FlowRecord;

/**
 * Which records a rule looks at: compiled once from the rule's {@code pattern} (a CloudWatch Logs
 * filter pattern) or {@code where} (a CEL expression). Called on the evaluator thread only, so an
 * implementation may cache per-format lookups without locking.
 */
@FunctionalInterface
public interface RecordCondition {

    /** Every record. */
    RecordCondition ALL = r -> true;

    boolean test(FlowRecord record);

    /**
     * The column that a name the condition itself defines refers to (a bracket pattern's field
     * names, which need not be AWS names: {@code [v, acct, eni, source, ...]}), or -1 when the
     * condition defines no such name.
     */
    default int columnOf(String name) {
        return -1;
    }
}
