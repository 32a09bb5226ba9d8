package io.flowwatch.plugin.rules.metricfilter;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValueType;
import io.flowwatch.api.PluginContext;
import io.flowwatch.api.config.ConfigReader;
import io.flowwatch.api.rule.Rule;
import io.flowwatch.api.rule.RuleSpec;
import io.flowwatch.api.rule.RuleTypeFactory;
import io.flowwatch.plugin.rules.predicate.RecordCondition;
import io.flowwatch.plugin.rules.predicate.RecordConditions;
import org.pf4j.Extension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code type = metric-filter}: a CloudWatch metric filter ({@code pattern}/{@code where}/{@code match}
 * → {@code metric}) with an optional {@code alarm} that has CloudWatch's alarm semantics. See
 * {@link MetricFilterRule} and the {@code metric-filter} block of {@code reference.conf}.
 */
@Extension
public final class MetricFilterRuleFactory implements RuleTypeFactory {

    /** CloudWatch metric filters take at most three dimensions. */
    static final int MAX_LABELS = 3;

    @Override
    public String type() {
        return "metric-filter";
    }

    @Override
    public Rule create(RuleSpec spec, Config config, PluginContext ctx) {
        String prefix = "rules[" + spec.name() + "]";
        Config merged = withAlarmDefaults(config);
        ConfigReader r = new ConfigReader(merged, prefix);
        RecordCondition condition = RecordConditions.fromRule(r, ctx.metrics());

        String name = r.string("metric.name");
        if (name != null && !validNamePart(name)) {
            r.problem("metric.name", "expected a Prometheus name part (letters, digits and _, not starting with a digit), got '"
                    + name + "'");
        }
        MetricValue value = value(r, condition);
        double defaultValue = Double.NaN;
        if (r.has("metric.default-value")) {
            defaultValue = r.number("metric.default-value");
        }
        List<FieldRef> labels = new ArrayList<>();
        List<String> labelNames = new ArrayList<>();
        labels(r, condition, labels, labelNames);
        int maxKeys = r.integer("max-keys", 1, 10_000_000);
        AlarmSpec alarm = merged.hasPath("alarm") ? alarm(r) : null;
        r.throwIfProblems();
        return new MetricFilterRule(spec, new MetricFilterSettings(condition, name, value, defaultValue, labels, labelNames,
                maxKeys, alarm), ctx.metrics());
    }

    /** {@code alarm} keys the user left out come from {@code alarm-defaults}; no {@code alarm} means no alarm. */
    private static Config withAlarmDefaults(Config config) {
        if (!config.hasPath("alarm") || !config.hasPath("alarm-defaults")) {
            return config;
        }
        try {
            if (config.getValue("alarm").valueType() != ConfigValueType.OBJECT) {
                return config; // reported when read
            }
            // Rebuilt key by key rather than withFallback: the user's object already merged with the
            // reference's `alarm = null`, and an object merged with a non-object ignores later fallbacks.
            Config alarm = config.getConfig("alarm-defaults");
            for (var e : config.getObject("alarm").entrySet()) {
                alarm = alarm.withValue(ConfigUtil.quoteString(e.getKey()), e.getValue());
            }
            return config.withValue("alarm", alarm.root());
        } catch (ConfigException e) {
            return config;
        }
    }

    private static MetricValue value(ConfigReader r, RecordCondition condition) {
        String v = r.string("metric.value");
        if (v == null) {
            return MetricValue.constant(1);
        }
        if (v.startsWith("$")) {
            FieldRef f = new FieldRef(v.substring(1), condition);
            if (!f.resolvable()) {
                r.problem("metric.value", "expected \"$field\" naming a field of the pattern or an AWS flow-log field, got '"
                        + v + "'");
            }
            return MetricValue.field(f);
        }
        double d = MetricValue.parseNumber(v.trim());
        if (Double.isNaN(d) || d < 0) {
            r.problem("metric.value", "expected \"1\", another number >= 0 or \"$field\", got '" + v + "'");
            return MetricValue.constant(1);
        }
        return MetricValue.constant(d);
    }

    private static void labels(ConfigReader r, RecordCondition condition, List<FieldRef> labels, List<String> labelNames) {
        List<String> fields = r.stringList("metric.labels");
        if (fields.size() > MAX_LABELS) {
            r.problem("metric.labels", "expected at most " + MAX_LABELS + " fields (CloudWatch's dimension limit), got "
                    + fields.size());
            return;
        }
        Set<String> seen = new HashSet<>();
        for (String field : fields) {
            FieldRef f = new FieldRef(field, condition);
            String labelName = field.replace('-', '_');
            if (!f.resolvable()) {
                r.problem("metric.labels", "expected fields of the pattern or AWS flow-log fields, got unknown '" + field + "'");
            } else if (!validNamePart(labelName) || labelName.startsWith("__")) {
                r.problem("metric.labels", "'" + field + "' is not usable as a Prometheus label name");
            } else if (labelName.equals("rule")) {
                r.problem("metric.labels", "'rule' is the label flowwatch adds itself; rename the pattern field");
            } else if (!seen.add(labelName)) {
                r.problem("metric.labels", "'" + field + "' is listed twice");
            } else {
                labels.add(f);
                labelNames.add(labelName);
            }
        }
    }

    private static AlarmSpec alarm(ConfigReader r) {
        try {
            r.config().getConfig("alarm");
        } catch (ConfigException.WrongType e) {
            r.problem("alarm", "expected an object such as { statistic = sum, period = 5m, comparison = \">=\", threshold = 10 }");
            return null;
        }
        String statName = r.string("alarm.statistic");
        Statistic statistic = Statistic.parse(statName);
        if (statName != null && statistic == null) {
            r.problem("alarm.statistic", "expected one of " + Statistic.allowed() + ", got '" + statName + "'");
        }
        int before = r.problems().size();
        Duration period = r.duration("alarm.period");
        long seconds = period.getSeconds();
        if (r.problems().size() == before && (period.getNano() != 0 || !(seconds == 10 || seconds == 20 || seconds == 30
                || (seconds > 0 && seconds % 60 == 0)))) {
            r.problem("alarm.period", "expected 10s, 20s, 30s or a multiple of 60s (as CloudWatch), got " + period.toString()
                    .substring(2).toLowerCase(java.util.Locale.ROOT));
        }
        before = r.problems().size();
        int n = r.integer("alarm.evaluation-periods", 1, 100_000);
        int m = n; // AWS's default: N out of N
        if (r.has("alarm.datapoints-to-alarm")) {
            m = r.integer("alarm.datapoints-to-alarm", 1, 100_000);
            if (m > n && r.problems().size() == before) {
                r.problem("alarm.datapoints-to-alarm", "expected at most evaluation-periods (" + n + "), got " + m);
            }
        }
        String cmpName = r.string("alarm.comparison");
        Comparison comparison = Comparison.parse(cmpName);
        if (cmpName != null && comparison == null) {
            r.problem("alarm.comparison", "expected one of " + Comparison.allowed() + ", got '" + cmpName + "'");
        }
        double threshold = r.number("alarm.threshold");
        String tmdName = r.string("alarm.treat-missing-data");
        TreatMissingData tmd = TreatMissingData.parse(tmdName);
        if (tmdName != null && tmd == null) {
            r.problem("alarm.treat-missing-data", "expected one of " + TreatMissingData.allowed() + ", got '" + tmdName + "'");
        }
        if (statistic == null || comparison == null || tmd == null || seconds < 1 || m > n || !r.problems().isEmpty()) {
            return null; // the problems are reported; nothing is built
        }
        return new AlarmSpec(statistic, seconds, n, m, comparison, threshold, tmd);
    }

    /** A Prometheus metric/label name part: {@code [a-zA-Z_][a-zA-Z0-9_]*}. */
    static boolean validNamePart(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
