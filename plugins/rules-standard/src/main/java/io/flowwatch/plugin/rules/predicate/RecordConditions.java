package io.flowwatch.plugin.rules.predicate;

import io.flowwatch.api.config.ConfigReader;

/** Reads a rule's record condition from its block: {@code pattern}, {@code where} or {@code match}, at most one. */
public final class RecordConditions {

    private RecordConditions() {
    }

    /** The rule's condition, or {@link RecordCondition#ALL}; problems go to {@code r}. */
    public static RecordCondition fromRule(ConfigReader r) {
        return RecordMatch.from(r, "match");
    }
}
