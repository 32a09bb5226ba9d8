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

    /**
     * A hash of what a rule's saved state depends on (type, sources and the whole rule block), so
     * a restart restores state only into the rule that wrote it, never into a changed one.
     */
    public String stateKey() {
        String text = spec.type() + "\n" + sources + "\n"
                + block.root().render(com.typesafe.config.ConfigRenderOptions.concise());
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }

    /** Same rule apart from where it is written: a reload keeps such a rule's instance and state. */
    public boolean sameDefinition(RuleConfig other) {
        return other != null && spec.equals(other.spec) && sources.equals(other.sources) && notifiers.equals(other.notifiers)
                && repeatInterval.equals(other.repeatInterval) && enabled == other.enabled
                && block.root().equals(other.block.root());
    }
}
