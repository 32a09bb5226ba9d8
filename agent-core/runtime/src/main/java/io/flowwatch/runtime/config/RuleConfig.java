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
}
