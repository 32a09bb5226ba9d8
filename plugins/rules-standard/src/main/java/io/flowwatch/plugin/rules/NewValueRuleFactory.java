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

/**
 * {@code type = new-value}: a value of {@code field} never seen before for a {@code group-by} key,
 * reported after a {@code learning-period}. Keys: {@code field}, {@code group-by},
 * {@code learning-period}, {@code window} (how long each new-value alert stays firing),
 * {@code save-interval}, {@code max-keys}, {@code max-values}. Learned values are kept in
 * {@code new-value.state} in the rule's state directory.
 */
@Extension
public final class NewValueRuleFactory implements RuleTypeFactory {

    @Override
    public String type() {
        return "new-value";
    }

    @Override
    public Rule create(RuleSpec spec, Config config, PluginContext ctx) {
        ConfigReader r = new ConfigReader(config, "rules[" + spec.name() + "]");
        RecordCondition when = RecordConditions.fromRule(r, ctx.metrics());
        List<String> groupBy = r.stringList("group-by");
        String field = r.string("field");
        if (field != null && field.isBlank()) {
            r.problem("field", "expected a flow-log field name such as dstport or srcaddr");
        } else if (field != null && groupBy.contains(field)) {
            r.problem("field", "expected a field that is not also in group-by, got '" + field + "'");
        }
        Duration learning = r.duration("learning-period");
        Duration window = r.duration("window");
        if (r.has("window") && window.toSeconds() < 1) {
            r.problem("window", "expected a window of at least 1s");
        }
        Duration saveInterval = r.duration("save-interval");
        int maxKeys = r.integer("max-keys", 1, 10_000_000);
        int maxValues = r.integer("max-values", 1, 10_000_000);
        r.throwIfProblems();
        return new NewValueRule(spec, new NewValueRule.Settings(when, groupBy, field, learning.toSeconds(), window.toSeconds(),
                saveInterval.toSeconds(), maxKeys, maxValues), ctx::stateDir, ctx.metrics());
    }
}
