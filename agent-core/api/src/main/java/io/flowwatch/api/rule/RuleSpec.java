package io.flowwatch.api.rule;

import java.util.Map;
import java.util.Objects;

/**
 * The keys every rule has, parsed and checked by the runtime before the rule's factory sees
 * the rest of the block.
 */
public record RuleSpec(String name, String type, String description, Severity severity, Map<String, String> labels) {
    public RuleSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(severity, "severity");
        description = description == null ? "" : description;
        labels = Map.copyOf(labels);
    }
}
