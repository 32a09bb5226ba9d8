package io.flowwatch.runtime.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The agent's whole configuration, parsed once from {@code agent.conf}, the reference defaults
 * and the rule files. Immutable; a reload builds a new one.
 */
public record AgentConfig(Path configFile, Path stateDir, Path pluginsDir, HttpConfig http, List<String> ruleGlobs,
                          Duration allowedLateness, Duration checkpointInterval, Duration pollTimeout,
                          Map<String, ComponentConfig> sources, Map<String, ComponentConfig> queryEngines,
                          Map<String, ComponentConfig> notifiers, List<RuleConfig> rules, boolean watchRules) {
    public AgentConfig {
        ruleGlobs = List.copyOf(ruleGlobs);
        sources = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(sources));
        queryEngines = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(queryEngines));
        notifiers = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(notifiers));
        rules = List.copyOf(rules);
    }
}
