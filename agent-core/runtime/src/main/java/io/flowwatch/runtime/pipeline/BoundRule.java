package io.flowwatch.runtime.pipeline;

import io.flowwatch.api.rule.Rule;
import io.flowwatch.runtime.alert.AlertTracker;
import io.flowwatch.runtime.config.RuleConfig;

/** A configured rule with its instance and alert lifecycle. */
public record BoundRule(RuleConfig config, Rule rule, AlertTracker tracker) {

    boolean reads(String source) {
        return config.sources().isEmpty() || config.sources().contains(source);
    }
}
