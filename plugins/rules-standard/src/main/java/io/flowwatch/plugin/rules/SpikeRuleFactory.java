package io.flowwatch.plugin.rules;

import com.typesafe.config.Config;
import io.flowwatch.api.PluginContext;
import io.flowwatch.api.config.ConfigReader;
import io.flowwatch.api.record.FlowField;
import io.flowwatch.api.rule.Rule;
import io.flowwatch.api.rule.RuleSpec;
import io.flowwatch.api.rule.RuleTypeFactory;
import io.flowwatch.plugin.rules.predicate.RecordCondition;
import io.flowwatch.plugin.rules.predicate.RecordConditions;
import org.pf4j.Extension;

import java.util.List;

/**
 * {@code type = spike}: a {@code group-by} key's volume in a tumbling {@code window} (sum of the
 * numeric field {@code sum}, or its record count) against its own average per window over the
 * preceding {@code baseline}; fires at {@code factor} times that average, never below
 * {@code min-volume}, and at the optional absolute {@code threshold} (see {@link SpikeRule} for the
 * exact semantics). Stateless: one instance builds every rule.
 */
@Extension
public final class SpikeRuleFactory implements RuleTypeFactory {

    /** Most windows one baseline may span: each key keeps one long per window. */
    static final int MAX_BASELINE_WINDOWS = 10_000;

    @Override
    public String type() {
        return "spike";
    }

    @Override
    public Rule create(RuleSpec spec, Config config, PluginContext ctx) {
        ConfigReader r = new ConfigReader(config, "rules[" + spec.name() + "]");
        RecordCondition match = RecordConditions.fromRule(r, ctx.metrics());
        List<String> groupBy = r.stringList("group-by");
        FieldColumns.checkKnown(r, "group-by", groupBy, match);
        String sum = r.string("sum");
        if ("count".equals(sum)) {
            sum = null;
        } else if (sum != null) {
            boolean known = FlowField.byAwsName(sum).map(f -> f.type().numeric()).orElse(false) || match.columnOf(sum) >= 0;
            if (!known) {
                r.problem("sum", "expected count or a numeric flow-log field such as bytes or packets, got '" + sum + "'");
            }
        }
        int before = r.problems().size();
        long window = r.duration("window").toSeconds();
        boolean windowOk = r.problems().size() == before;
        if (windowOk && window < 1) {
            r.problem("window", "expected a window of at least 1s");
            windowOk = false;
        }
        before = r.problems().size();
        long baseline = r.duration("baseline").toSeconds();
        int baselineWindows = 1;
        if (windowOk && r.problems().size() == before) {
            if (baseline < window || baseline % window != 0) {
                r.problem("baseline", "expected a multiple of window (" + FieldColumns.human(window) + "), got "
                        + FieldColumns.human(baseline));
            } else if (baseline / window > MAX_BASELINE_WINDOWS) {
                r.problem("baseline", "expected at most " + MAX_BASELINE_WINDOWS + " windows of "
                        + FieldColumns.human(window) + ", got " + baseline / window);
            } else {
                baselineWindows = (int) (baseline / window);
            }
        }
        before = r.problems().size();
        double factor = r.number("factor");
        if (r.problems().size() == before && !(factor >= 1.0 && Double.isFinite(factor))) {
            r.problem("factor", "expected a number of at least 1, got " + factor);
        }
        long minVolume = volume(r, "min-volume", 0);
        // Absent (null in reference.conf): no absolute bar.
        Long threshold = r.has("threshold") ? volume(r, "threshold", 1) : null;
        int maxKeys = r.integer("max-keys", 1, 10_000_000);
        r.throwIfProblems();
        return new SpikeRule(spec, new SpikeRule.Settings(match, groupBy, sum, window, baselineWindows, factor,
                minVolume, threshold, maxKeys),
                ctx.metrics().counter("rule_keys_evicted_total", "Keys dropped from a rule window because max-keys was reached."));
    }

    /** A volume in the unit of {@code sum}: a plain number, or a size such as 50MiB for byte sums. */
    private static long volume(ConfigReader r, String key, long min) {
        int before = r.problems().size();
        long v = r.bytes(key);
        if (r.problems().size() == before && v < min) {
            r.problem(key, "expected a volume of at least " + min + ", got " + v);
            return min;
        }
        return v;
    }
}
