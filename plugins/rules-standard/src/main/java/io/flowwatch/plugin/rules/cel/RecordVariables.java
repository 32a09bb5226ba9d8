package io.flowwatch.plugin.rules.cel;

import dev.cel.runtime.CelVariableResolver;
import io.flowwatch.api.record.FlowField;
import io.flowwatch.api.record.FlowRecord;

import java.util.Optional;

/**
 * The CEL variables of the record being evaluated, read from its columns only when the
 * expression asks (most expressions read two or three of forty fields). Reused record after
 * record by one {@link CelCondition}, so it is not thread-safe.
 */
final class RecordVariables implements CelVariableResolver {

    private FlowRecord record;

    void set(FlowRecord record) {
        this.record = record;
    }

    /** Absent ({@code -}) values and fields outside the record's format resolve to nothing. */
    @Override
    public Optional<Object> find(String name) {
        FlowField f = CelFlowLibrary.variable(name);
        if (f == null) {
            return Optional.empty();
        }
        // FlowFormat.indexOf(FlowField) is the format's own per-field array: no search per record.
        int col = record.format().indexOf(f);
        if (col < 0 || !record.isPresent(col)) {
            return Optional.empty();
        }
        return Optional.of(f.type().numeric() ? (Object) record.longAt(col) : record.stringAt(col));
    }

    boolean has(String fieldName) {
        FlowField f = CelFlowLibrary.fieldByAnyName(fieldName);
        return f != null && record.has(f);
    }
}
