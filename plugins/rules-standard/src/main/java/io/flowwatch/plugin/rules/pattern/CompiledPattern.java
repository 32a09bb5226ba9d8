package io.flowwatch.plugin.rules.pattern;

import io.flowwatch.api.record.FlowRecord;

/** What a pattern compiles to: a bracket (space-delimited) pattern or a term pattern. */
interface CompiledPattern {

    boolean test(FlowRecord record);

    boolean matchesLine(String line);

    default int columnOf(String name) {
        return -1;
    }
}
