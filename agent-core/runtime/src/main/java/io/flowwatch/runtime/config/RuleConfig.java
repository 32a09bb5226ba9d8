package io.flowwatch.runtime.config;

import com.typesafe.config.Config;
import io.flowwatch.api.rule.RuleSpec;

import java.time.Duration;
import java.util.List;

/**
 * One rule from a rule file: the common keys the runtime owns, and the whole block for the rule
 * type's factory.
 *
 * @param sources empty means every source
 * @param origin  {@code file:line} of the rule
 */
public record RuleConfig(RuleSpec spec, List<String> sources, List<String> notifiers, Duration repeatInterval,
                         boolean enabled, Config block, String origin) {
    public RuleConfig {
        sources = List.copyOf(sources);
        notifiers = List.copyOf(notifiers);
    }

    public String name() {
        return spec.name();
    }

    /** Same rule apart from where it is written: a reload keeps such a rule's instance and state. */
    public boolean sameDefinition(RuleConfig other) {
        return other != null && spec.equals(other.spec) && sources.equals(other.sources) && notifiers.equals(other.notifiers)
                && repeatInterval.equals(other.repeatInterval) && enabled == other.enabled
                && block.root().equals(other.block.root());
    }
}
