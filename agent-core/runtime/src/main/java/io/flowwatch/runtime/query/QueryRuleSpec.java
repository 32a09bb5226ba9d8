package io.flowwatch.runtime.query;

import io.flowwatch.api.FlowwatchException.Problem;
import io.flowwatch.api.config.ConfigReader;
import io.flowwatch.runtime.config.RuleConfig;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * One {@code type = query} rule:
 * <pre>{@code
 * { name = top-rejected, type = query, engine = default, schedule = 1h, delay = 10m
 *   sql = "SELECT srcaddr, count(*) AS rejects FROM flow_logs WHERE action = 'REJECT'
 *          AND start >= ${window_start} AND start < ${window_end} GROUP BY srcaddr ORDER BY rejects DESC LIMIT 10"
 *   key = [srcaddr], value = rejects, threshold = 1000, notify = [console] }
 * }</pre>
 *
 * @param key       result columns that identify an alert (one alert per distinct key)
 * @param value     the column compared with {@code threshold}; null: every row raises an alert
 * @param threshold rows with {@code value >= threshold} raise alerts; null with a value column: every row
 * @param delay     how far the window trails the run time: flow logs reach S3 minutes late
 */
public record QueryRuleSpec(RuleConfig rule, String engine, String sql, Duration schedule, Duration delay,
                            List<String> key, String value, Double threshold, long rowLimit) {

    public static final String TYPE = "query";

    /** Reads and checks a query rule block; problems go to {@code problems}. */
    public static QueryRuleSpec read(RuleConfig rc, Set<String> engines, List<Problem> problems) {
        ConfigReader r = new ConfigReader(rc.block(), "rules[" + rc.name() + "]");
        String engine = r.has("engine") ? r.string("engine") : engines.size() == 1 ? engines.iterator().next() : "default";
        if (engine != null && !engines.contains(engine)) {
            r.problem("engine", "expected one of the configured query engines (" + String.join(", ", new java.util.TreeSet<>(engines))
                    + "), got '" + engine + "'");
        }
        String sql = r.string("sql");
        Duration schedule = r.has("schedule") ? r.duration("schedule") : Duration.ofHours(1);
        Duration delay = r.has("delay") ? r.duration("delay") : Duration.ofMinutes(10);
        if (schedule != null && schedule.toSeconds() < 60) {
            r.problem("schedule", "expected a schedule of at least 1m, got " + schedule.toSeconds() + "s");
        }
        List<String> key = r.has("key") ? r.stringList("key") : List.of();
        String value = r.optionalString("value");
        Double threshold = r.has("threshold") ? r.number("threshold") : null;
        if (threshold != null && value == null) {
            r.problem("threshold", "expected a value column to compare with the threshold (value = <column>)");
        }
        long rowLimit = r.has("row-limit") ? r.longValue("row-limit", 1, 1_000_000) : 1000;
        if (sql != null && !sql.contains("${window_start}") && !sql.contains("${window_end}")) {
            r.problem("sql", "expected the query to use ${window_start} and ${window_end} (epoch seconds) to read only its window");
        }
        problems.addAll(r.problems());
        return new QueryRuleSpec(rc, engine, sql, schedule, delay, key, value, threshold, rowLimit);
    }
}
