package io.flowwatch.plugin.rules.predicate;

import io.flowwatch.api.PluginMetrics;
import io.flowwatch.api.config.ConfigReader;
import io.flowwatch.plugin.rules.cel.CelCondition;
import io.flowwatch.plugin.rules.cel.CelConditionException;
import io.flowwatch.plugin.rules.pattern.FilterPattern;
import io.flowwatch.plugin.rules.pattern.FilterPatternException;

import com.typesafe.config.ConfigValueType;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads a rule's record condition from its block, at most one of:
 * <ul>
 *   <li>{@code pattern}: a CloudWatch Logs filter pattern, pasted as is from a metric filter;</li>
 *   <li>{@code where}: a CEL expression over the record's fields (hyphens become underscores);</li>
 *   <li>{@code match}: a block of field equalities, {@code { action = REJECT, dstport = [22, 3389] }}.</li>
 * </ul>
 * None means every record. A bad pattern or expression is a problem at the key's {@code file:line}
 * with the position inside the text.
 */
public final class RecordConditions {

    private RecordConditions() {
    }

    /**
     * The rule's condition, or {@link RecordCondition#ALL}; problems go to {@code r}.
     *
     * @param metrics where evaluation errors of a {@code where} expression are counted
     */
    public static RecordCondition fromRule(ConfigReader r, PluginMetrics metrics) {
        List<String> given = new ArrayList<>();
        for (String key : List.of("pattern", "where", "match")) {
            if (r.has(key) && !(key.equals("match") && isEmptyObject(r, key))) {
                given.add(key);
            }
        }
        if (given.size() > 1) {
            r.problem(given.get(1), "expected one record condition, but both " + given.get(0) + " and " + given.get(1) + " are set");
            return RecordCondition.ALL;
        }
        if (given.isEmpty()) {
            return RecordCondition.ALL;
        }
        switch (given.get(0)) {
            case "pattern": {
                String text = r.string("pattern");
                if (text == null) {
                    return RecordCondition.ALL;
                }
                try {
                    return FilterPattern.compile(text);
                } catch (FilterPatternException e) {
                    r.problem("pattern", e.getMessage());
                    return RecordCondition.ALL;
                }
            }
            case "where": {
                String expr = r.string("where");
                if (expr == null) {
                    return RecordCondition.ALL;
                }
                try {
                    return CelCondition.compile(expr, metrics.counter("rule_where_errors_total",
                            "Records whose where expression failed to evaluate (counted as no match)."));
                } catch (CelConditionException e) {
                    r.problem("where", e.getMessage());
                    return RecordCondition.ALL;
                }
            }
            default:
                return RecordMatch.from(r, "match");
        }
    }

    /** For tools and tests without metrics. */
    public static RecordCondition fromRule(ConfigReader r) {
        return fromRule(r, PluginMetrics.NONE);
    }

    private static boolean isEmptyObject(ConfigReader r, String key) {
        return r.config().getValue(key).valueType() == ConfigValueType.OBJECT && r.config().getObject(key).isEmpty();
    }
}
