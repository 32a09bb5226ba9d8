package io.flowwatch.plugin.rules;

import com.typesafe.config.Config;
import io.flowwatch.api.PluginContext;
import io.flowwatch.api.config.ConfigReader;
import io.flowwatch.api.rule.Rule;
import io.flowwatch.api.rule.RuleSpec;
import io.flowwatch.api.rule.RuleTypeFactory;
import io.flowwatch.plugin.rules.predicate.RecordCondition;
import io.flowwatch.plugin.rules.predicate.RecordConditions;
import org.pf4j.Extension;

import java.time.Duration;
import java.util.List;

/** {@code type = frequency}: at least {@code threshold} matching records per {@code group-by} key within {@code window}. */
@Extension
public final class FrequencyRuleFactory implements RuleTypeFactory {

    @Override
    public String type() {
        return "frequency";
    }

    @Override
    public Rule create(RuleSpec spec, Config config, PluginContext ctx) {
        ConfigReader r = new ConfigReader(config, "rules[" + spec.name() + "]");
        RecordCondition match = RecordConditions.fromRule(r, ctx.metrics());
        List<String> groupBy = r.stringList("group-by");
        Duration window = r.duration("window");
        if (window.toSeconds() < 1 && r.problems().isEmpty()) {
            r.problem("window", "expected a window of at least 1s");
        }
        long threshold = r.longValue("threshold", 1, Long.MAX_VALUE);
        int maxKeys = r.integer("max-keys", 1, 10_000_000);
        r.throwIfProblems();
        return new FrequencyRule(spec, new FrequencyRule.Settings(match, groupBy, window.toSeconds(), threshold, maxKeys),
                ctx.metrics().counter("rule_keys_evicted_total", "Keys dropped from a rule window because max-keys was reached."));
    }
}
