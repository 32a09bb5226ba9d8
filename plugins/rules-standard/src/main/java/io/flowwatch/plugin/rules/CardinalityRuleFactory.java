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

import java.util.List;

/**
 * {@code type = cardinality}: at least {@code threshold} distinct values of the field {@code distinct}
 * per {@code group-by} key within a tumbling {@code window}, counted exactly up to {@code exact-limit}
 * values and estimated with a HyperLogLog sketch beyond. Stateless: one instance builds every rule.
 */
@Extension
public final class CardinalityRuleFactory implements RuleTypeFactory {

    /** Most values counted exactly per key: 2^16 values already take a 1 MiB table. */
    static final int MAX_EXACT_LIMIT = 1 << 16;

    @Override
    public String type() {
        return "cardinality";
    }

    @Override
    public Rule create(RuleSpec spec, Config config, PluginContext ctx) {
        ConfigReader r = new ConfigReader(config, "rules[" + spec.name() + "]");
        RecordCondition match = RecordConditions.fromRule(r, ctx.metrics());
        List<String> groupBy = r.stringList("group-by");
        FieldColumns.checkKnown(r, "group-by", groupBy, match);
        String distinct = r.string("distinct");
        if (distinct != null) {
            FieldColumns.checkKnown(r, "distinct", List.of(distinct), match);
        }
        int before = r.problems().size();
        long window = r.duration("window").toSeconds();
        if (r.problems().size() == before && window < 1) {
            r.problem("window", "expected a window of at least 1s");
        }
        long threshold = r.longValue("threshold", 1, Long.MAX_VALUE);
        int exactLimit = r.integer("exact-limit", 0, MAX_EXACT_LIMIT);
        int maxKeys = r.integer("max-keys", 1, 10_000_000);
        r.throwIfProblems();
        return new CardinalityRule(spec, new CardinalityRule.Settings(match, groupBy, distinct, window, threshold,
                exactLimit, maxKeys),
                ctx.metrics().counter("rule_keys_evicted_total", "Keys dropped from a rule window because max-keys was reached."));
    }
}
