package io.flowwatch.plugin.rules.metricfilter;

import com.typesafe.config.ConfigFactory;
import io.flowwatch.api.FlowwatchException;
import io.flowwatch.api.record.FlowField;
import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;
import io.flowwatch.api.rule.Rule;
import io.flowwatch.api.rule.RuleOutput;
import io.flowwatch.api.rule.RuleSpec;
import io.flowwatch.api.rule.Severity;
import io.flowwatch.api.rule.Signal;
import io.flowwatch.plugin.rules.predicate.RecordCondition;
import io.flowwatch.testkit.MutableClock;
import io.flowwatch.testkit.TestPluginContext;
import io.flowwatch.testkit.TestPluginContext.RecordingMetrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MetricFilterRuleTest {

    @TempDir
    Path state;

    static final long T0 = 1_764_000_000L - (1_764_000_000L % 300);

    final TestPluginContext ctx = new TestPluginContext("rules", new MutableClock(Instant.EPOCH), state);
    final List<Signal> fired = new ArrayList<>();
    final List<Long> resolved = new ArrayList<>();
    final RuleOutput out = new RuleOutput() {
        @Override
        public void firing(Signal signal) {
            fired.add(signal);
        }

        @Override
        public void resolved(Map<String, String> key, long eventTime) {
            assertThat(key).isEmpty();
            resolved.add(eventTime - T0);
        }
    };

    static final String SSH = """
            match { action = REJECT, dstport = 22 }
            metric { name = ssh_rejects }
            alarm { period = 5m, comparison = ">=", threshold = 3, treat-missing-data = not-breaching }
            """;

    Rule rule(String hocon) {
        return new MetricFilterRuleFactory().create(new RuleSpec("ssh-rejects", "metric-filter", "", Severity.MEDIUM, Map.of()),
                ConfigFactory.parseString(hocon, com.typesafe.config.ConfigParseOptions.defaults().setOriginDescription("ssh.conf"))
                        .withFallback(ConfigFactory.parseResources("reference.conf").getConfig("flowwatch.defaults.rules.metric-filter")),
                ctx);
    }

    static FlowRecord rec(String src, int dstport, String action, long start, long bytes) {
        return FlowRecord.builder(FlowFormat.DEFAULT).set(FlowField.VERSION, 2).set(FlowField.SRCADDR, src)
                .set(FlowField.DSTADDR, "10.0.0.1").set(FlowField.DSTPORT, dstport).set(FlowField.PROTOCOL, 6)
                .set(FlowField.BYTES, bytes).set(FlowField.ACTION, action).set(FlowField.START, start)
                .set(FlowField.END, start + 1).set(FlowField.LOG_STATUS, "OK").build();
    }

    static FlowRecord reject(long start) {
        return rec("1.2.3.4", 22, "REJECT", start, 40);
    }

    static FlowRecord accept(long start) {
        return rec("1.2.3.4", 443, "ACCEPT", start, 40);
    }

    RecordingMetrics metrics() {
        return ctx.metrics();
    }

    double stateGauge(String s) {
        return metrics().value(RecordingMetrics.childName("rule_alarm_state", List.of("state"), List.of(s)));
    }

    @Test
    void entersAlarmOnceWhenAPeriodClosesAtThresholdAndResolvesWhenBackToOk() {
        Rule r = rule(SSH);
        for (int i = 0; i < 4; i++) {
            r.onRecord(reject(T0 + i), out);
            r.onRecord(accept(T0 + i), out);
        }
        r.onWatermark(T0 + 299, out);
        assertThat(fired).isEmpty();
        assertThat(stateGauge("INSUFFICIENT_DATA")).isEqualTo(1);
        r.onWatermark(T0 + 300, out);
        assertThat(fired).singleElement().satisfies(s -> {
            assertThat(s.key()).isEmpty();
            assertThat(s.value()).isEqualTo(4);
            assertThat(s.threshold()).isEqualTo(3);
            assertThat(s.windowStart()).isEqualTo(T0);
            assertThat(s.windowEnd()).isEqualTo(T0 + 300);
            assertThat(s.summary()).isEqualTo("ssh_rejects sum 4 >= 3 for 1 of 1 periods of 5m");
            assertThat(s.samples()).hasSize(3);
        });
        assertThat(stateGauge("ALARM")).isEqualTo(1);
        assertThat(stateGauge("INSUFFICIENT_DATA")).isZero();
        // Still breaching in the next period: no second firing.
        for (int i = 0; i < 3; i++) {
            r.onRecord(reject(T0 + 300 + i), out);
        }
        r.onWatermark(T0 + 600, out);
        assertThat(fired).hasSize(1);
        // Two rejects only: back to OK.
        r.onRecord(reject(T0 + 600), out);
        r.onRecord(reject(T0 + 601), out);
        r.onWatermark(T0 + 900, out);
        assertThat(resolved).containsExactly(900L);
        assertThat(stateGauge("OK")).isEqualTo(1);
        assertThat(stateGauge("ALARM")).isZero();
    }

    @Test
    void missingDataLeavesAlarmToInsufficientDataAndResolvesTheAlert() {
        Rule r = rule(SSH.replace("not-breaching", "missing"));
        for (int i = 0; i < 3; i++) {
            r.onRecord(reject(T0 + i), out);
        }
        r.onWatermark(T0 + 300, out);
        assertThat(fired).hasSize(1);
        // Nothing at all for three periods (range = 1 + 2 look-back): the data runs out at T0 + 1200.
        r.onWatermark(T0 + 900, out);
        assertThat(((MetricFilterRule) r).state()).isEqualTo(AlarmState.ALARM); // the old datapoint is still in the look-back
        r.onWatermark(T0 + 1200, out);
        assertThat(((MetricFilterRule) r).state()).isEqualTo(AlarmState.INSUFFICIENT_DATA);
        assertThat(resolved).containsExactly(1200L);
        assertThat(stateGauge("INSUFFICIENT_DATA")).isEqualTo(1);
    }

    @Test
    void mOutOfNNeedsMBreachingPeriodsAmongTheLastN() {
        Rule r = rule(SSH.replace("period = 5m", "period = 1m, evaluation-periods = 3, datapoints-to-alarm = 2"));
        long[] perMinute = {3, 0, 1, 3, 0, 0};
        for (int m = 0; m < perMinute.length; m++) {
            for (int i = 0; i < perMinute[m]; i++) {
                r.onRecord(reject(T0 + 60L * m + i), out);
            }
            r.onRecord(accept(T0 + 60L * m + 30), out);
            r.onWatermark(T0 + 60L * (m + 1), out);
            if (m == 2) {
                assertThat(fired).as("one breaching period of 3").isEmpty();
            }
        }
        // Minute 1 had only accepted traffic, so no datapoint: after minute 3 the range holds three
        // real datapoints (3, 1, 3 from minutes 0, 2, 3), and as in CloudWatch those decide: 2 of 3.
        assertThat(fired).singleElement().satisfies(s -> {
            assertThat(s.windowEnd() - T0).isEqualTo(240);
            assertThat(s.windowStart() - T0).isEqualTo(0);
            assertThat(s.summary()).isEqualTo("ssh_rejects sum 3 >= 3 for 2 of 3 periods of 1m");
        });
        // Minute 4 keeps ALARM (the look-back still finds 3, 1, 3); after minute 5 only 1 and 3 remain,
        // fewer than 3, and the missing one is not breaching: OK.
        assertThat(resolved).containsExactly(360L);
    }

    @ParameterizedTest
    @CsvSource({"sum, 90", "average, 30", "minimum, 10", "maximum, 60", "sample-count, 3", "SampleCount, 3"})
    void statisticTurnsThePeriodsValuesIntoTheDatapoint(String statistic, double expected) {
        Rule r = rule("metric { name = rejected_bytes, value = \"$bytes\" }\n"
                + "alarm { statistic = " + statistic + ", period = 1m, comparison = \">\", threshold = -1 }");
        r.onRecord(rec("a", 22, "REJECT", T0, 10), out);
        r.onRecord(rec("a", 22, "REJECT", T0 + 1, 60), out);
        r.onRecord(rec("a", 22, "REJECT", T0 + 2, 20), out);
        r.onWatermark(T0 + 60, out);
        assertThat(fired).singleElement().extracting(Signal::value).isEqualTo(expected);
    }

    @Test
    void counterAddsTheFieldValuePerLabelCombination() {
        Rule r = rule("match { action = REJECT }, metric { name = rejected_bytes, value = \"$bytes\", labels = [srcaddr, dstport] }");
        r.onRecord(rec("a", 22, "REJECT", T0, 100), out);
        r.onRecord(rec("a", 22, "REJECT", T0, 50), out);
        r.onRecord(rec("b", 3389, "REJECT", T0, 7), out);
        r.onRecord(rec("a", 22, "ACCEPT", T0, 1000), out);
        List<String> labels = List.of("srcaddr", "dstport");
        assertThat(metrics().value(RecordingMetrics.childName("rule_rejected_bytes_total", labels, List.of("a", "22")))).isEqualTo(150);
        assertThat(metrics().value(RecordingMetrics.childName("rule_rejected_bytes_total", labels, List.of("b", "3389")))).isEqualTo(7);
        assertThat(r.trackedKeys()).isEqualTo(2);
        r.onWatermark(Long.MAX_VALUE, out); // no alarm: nothing to evaluate
        assertThat(fired).isEmpty();
    }

    @Test
    void counterWithoutLabelsCountsOnePerMatchAndExistsBeforeTheFirst() {
        Rule r = rule(SSH);
        String name = RecordingMetrics.childName("rule_ssh_rejects_total", List.of(), List.of());
        assertThat(metrics().has(name)).isTrue();
        r.onRecord(reject(T0), out);
        r.onRecord(reject(T0 + 1), out);
        r.onRecord(accept(T0 + 2), out);
        assertThat(metrics().value(name)).isEqualTo(2);
    }

    @Test
    void recordsWithoutANumericValueContributeNothing() {
        Rule r = rule("metric { name = x, value = \"$action\" }, alarm { statistic = sample-count, period = 1m, threshold = 1,"
                + " treat-missing-data = breaching }");
        r.onRecord(reject(T0), out); // action "REJECT" is not a number
        assertThat(metrics().value(RecordingMetrics.childName("rule_x_total", List.of(), List.of()))).isZero();
        r.onWatermark(T0 + 60, out);
        // No datapoint: the period is missing, and missing is breaching.
        assertThat(fired).singleElement().satisfies(s -> {
            assertThat(s.value()).isZero();
            assertThat(s.summary()).isEqualTo("x sample-count (no data) >= 1 for 1 of 1 periods of 1m (missing data treated as breaching)");
        });
    }

    @Test
    void fieldValueComesFromThePatternsOwnFieldNameFirst() {
        // A bracket pattern names column 9 (bytes in the default format) "size".
        RecordCondition pattern = new RecordCondition() {
            @Override
            public boolean test(FlowRecord record) {
                return true;
            }

            @Override
            public int columnOf(String name) {
                return name.equals("size") ? 9 : -1;
            }
        };
        FieldRef size = new FieldRef("size", pattern);
        assertThat(size.resolvable()).isTrue();
        Rule r = new MetricFilterRule(new RuleSpec("b", "metric-filter", "", Severity.LOW, Map.of()),
                new MetricFilterSettings(pattern, "bytes", MetricValue.field(size), Double.NaN, List.of(), List.of(), 10,
                        new AlarmSpec(Statistic.MAXIMUM, 60, 1, 1, Comparison.GREATER_OR_EQUAL, 500, TreatMissingData.MISSING)),
                metrics());
        r.onRecord(rec("a", 22, "REJECT", T0, 700), out);
        r.onRecord(rec("a", 22, "REJECT", T0, 300), out);
        r.onWatermark(T0 + 60, out);
        assertThat(fired).singleElement().extracting(Signal::value).isEqualTo(700.0);
        assertThat(metrics().value(RecordingMetrics.childName("rule_bytes_total", List.of(), List.of()))).isEqualTo(1000);
    }

    @Test
    void defaultValueIsTheDatapointOfPeriodsWithRecordsButNoMatch() {
        // Alarm when fewer than 1 reject per minute: only a default value of 0 makes quiet minutes count.
        String hocon = "match { action = REJECT }, metric { name = rejects, default-value = 0 }\n"
                + "alarm { period = 1m, comparison = \"<\", threshold = 1 }"; // treat-missing-data = missing
        Rule r = rule(hocon);
        r.onRecord(accept(T0), out);
        r.onWatermark(T0 + 60, out);
        assertThat(fired).singleElement().satisfies(s -> assertThat(s.summary()).isEqualTo("rejects sum 0 < 1 for 1 of 1 periods of 1m"));

        fired.clear();
        Rule without = rule(hocon.replace(", default-value = 0", ""));
        without.onRecord(accept(T0), out);
        without.onWatermark(T0 + 60, out);
        assertThat(fired).isEmpty();
        assertThat(((MetricFilterRule) without).state()).isEqualTo(AlarmState.INSUFFICIENT_DATA);
    }

    @Test
    void emptyPeriodsCloseOnTheWatermarkAsMissing() {
        Rule r = rule(SSH.replace("not-breaching", "breaching").replace("period = 5m", "period = 1m, evaluation-periods = 2"));
        for (int i = 0; i < 3; i++) {
            r.onRecord(reject(T0), out);
        }
        r.onWatermark(T0 + 60, out); // X, and the period before the rule started is missing = breaching
        assertThat(fired).hasSize(1);
        r.onRecord(rec("a", 22, "REJECT", T0 + 60, 1), out); // 1 reject: not breaching
        r.onWatermark(T0 + 120, out);
        assertThat(resolved).containsExactly(120L);
        // No records at all for a long time: the watermark alone makes those minutes missing = breaching.
        // As in CloudWatch, the alarm first looks back for real datapoints (0 and X until the range of
        // 2 + 2 periods has moved past them), so it goes to ALARM only after minute 5.
        r.onWatermark(T0 + 100_000, out);
        assertThat(fired).hasSize(2);
        assertThat(fired.get(1).windowEnd() - T0).isEqualTo(360);
        assertThat(fired.get(1).summary()).endsWith("(missing data treated as breaching)");
    }

    @Test
    void endOfInputClosesTheOpenPeriodButInventsNoMissingPeriods() {
        Rule r = rule(SSH.replace("not-breaching", "breaching").replace("period = 5m", "period = 1m"));
        r.onRecord(reject(T0), out); // 1 reject: not breaching
        r.onRecord(accept(T0 + 30), out);
        r.onWatermark(Long.MAX_VALUE, out);
        assertThat(fired).isEmpty();
        assertThat(((MetricFilterRule) r).state()).isEqualTo(AlarmState.OK);
    }

    @Test
    void endOfInputStillClosesEmptyPeriodsTheInputCovered() {
        Rule r = rule(SSH.replace("not-breaching", "breaching").replace("period = 5m", "period = 1m"));
        r.onRecord(reject(T0), out);
        r.onRecord(accept(T0 + 250), out); // minutes 1-3 had no records; minute 4 only non-matching ones
        r.onWatermark(Long.MAX_VALUE, out);
        // Minutes 1-3 are covered by input, so missing (= breaching); the look-back keeps minute 0's
        // datapoint in range until minute 3 closes. Minute 4 is not closed: it never had a match.
        assertThat(fired).singleElement().satisfies(s -> assertThat(s.windowEnd() - T0).isEqualTo(240));
    }

    @Test
    void lateRecordsForEvaluatedPeriodsStillCountInTheCounterButNotInTheAlarm() {
        Rule r = rule(SSH.replace("period = 5m", "period = 1m"));
        r.onRecord(reject(T0 + 61), out);
        r.onWatermark(T0 + 120, out);
        for (int i = 0; i < 5; i++) {
            r.onRecord(reject(T0 + 70), out); // minute 1 was evaluated already
        }
        r.onWatermark(T0 + 180, out);
        assertThat(fired).isEmpty();
        assertThat(metrics().value(RecordingMetrics.childName("rule_ssh_rejects_total", List.of(), List.of()))).isEqualTo(6);
    }

    @Test
    void maxKeysRemovesTheLeastRecentlySeenChildAndCountsIt() {
        Rule r = rule("metric { name = by_src, labels = [srcaddr] }, max-keys = 2");
        String a = RecordingMetrics.childName("rule_by_src_total", List.of("srcaddr"), List.of("a"));
        String b = RecordingMetrics.childName("rule_by_src_total", List.of("srcaddr"), List.of("b"));
        String c = RecordingMetrics.childName("rule_by_src_total", List.of("srcaddr"), List.of("c"));
        r.onRecord(rec("a", 1, "REJECT", T0, 1), out);
        r.onRecord(rec("b", 1, "REJECT", T0, 1), out);
        r.onRecord(rec("a", 1, "REJECT", T0, 1), out);
        r.onRecord(rec("c", 1, "REJECT", T0, 1), out); // evicts b
        assertThat(metrics().has(b)).isFalse();
        assertThat(metrics().value(a)).isEqualTo(2);
        assertThat(metrics().value(c)).isEqualTo(1);
        assertThat(metrics().value("rule_keys_evicted_total")).isEqualTo(1);
        assertThat(r.trackedKeys()).isEqualTo(2);
    }

    @Test
    void longQuietStretchesAreSkippedWithoutChangingTheOutcome() {
        Rule r = rule(SSH.replace("period = 5m", "period = 1m").replace("not-breaching", "missing"));
        r.onRecord(reject(T0), out);
        r.onWatermark(T0 + 60L * 60 * 24 * 365 * 50, out); // 50 years of minutes must not be walked one by one
        assertThat(((MetricFilterRule) r).state()).isEqualTo(AlarmState.INSUFFICIENT_DATA);
        for (int i = 0; i < 3; i++) {
            r.onRecord(reject(T0 + 60L * 60 * 24 * 365 * 50 + 5), out);
        }
        r.onWatermark(Long.MAX_VALUE, out);
        assertThat(fired).singleElement().satisfies(s -> assertThat(s.windowStart() - T0).isEqualTo(60L * 60 * 24 * 365 * 50));
    }

    @Test
    void configProblemsAreReportedTogetherWithTheirKeysAndAllowedValues() {
        assertThatThrownBy(() -> rule("""
                metric { name = "ssh-rejects", value = "$nosuchfield", labels = [srcaddr, dstaddr, srcport, dstport] }
                alarm { statistic = p99, period = 45s, evaluation-periods = 2, datapoints-to-alarm = 3,
                        comparison = "=>", threshold = ten, treat-missing-data = drop }
                """))
                .isInstanceOf(FlowwatchException.class)
                .satisfies(e -> assertThat(((FlowwatchException) e).problems()).extracting(p -> p.key() + ": " + p.message())
                        .containsExactlyInAnyOrder(
                                "rules[ssh-rejects].metric.name: expected a Prometheus name part (letters, digits and _, not starting with a digit), got 'ssh-rejects'",
                                "rules[ssh-rejects].metric.value: expected \"$field\" naming a field of the pattern or an AWS flow-log field, got '$nosuchfield'",
                                "rules[ssh-rejects].metric.labels: expected at most 3 fields (CloudWatch's dimension limit), got 4",
                                "rules[ssh-rejects].alarm.statistic: expected one of sum (Sum), average (Average), minimum (Minimum), maximum (Maximum), sample-count (SampleCount), got 'p99'",
                                "rules[ssh-rejects].alarm.period: expected 10s, 20s, 30s or a multiple of 60s (as CloudWatch), got 45s",
                                "rules[ssh-rejects].alarm.datapoints-to-alarm: expected at most evaluation-periods (2), got 3",
                                "rules[ssh-rejects].alarm.comparison: expected one of >= (GreaterThanOrEqualToThreshold), > (GreaterThanThreshold), < (LessThanThreshold), <= (LessThanOrEqualToThreshold), got '=>'",
                                "rules[ssh-rejects].alarm.threshold: expected a number, got \"ten\"",
                                "rules[ssh-rejects].alarm.treat-missing-data: expected one of missing, notBreaching (not-breaching), breaching, ignore, got 'drop'"))
                .satisfies(e -> assertThat(((FlowwatchException) e).problems()).allSatisfy(p -> assertThat(p.origin()).startsWith("ssh.conf:")));
    }

    @Test
    void configProblemsForValuesLabelsAndMissingKeys() {
        assertThatThrownBy(() -> rule("metric { value = \"one\", labels = [nosuch, srcaddr, srcaddr] }, alarm { period = 0.5s }"))
                .isInstanceOf(FlowwatchException.class)
                .satisfies(e -> assertThat(((FlowwatchException) e).problems()).extracting(p -> p.key() + ": " + p.message())
                        .containsExactlyInAnyOrder(
                                "rules[ssh-rejects].metric.name: expected a string, but the key is missing",
                                "rules[ssh-rejects].metric.value: expected \"1\", another number >= 0 or \"$field\", got 'one'",
                                "rules[ssh-rejects].metric.labels: expected fields of the pattern or AWS flow-log fields, got unknown 'nosuch'",
                                "rules[ssh-rejects].metric.labels: 'srcaddr' is listed twice",
                                "rules[ssh-rejects].alarm.period: expected 10s, 20s, 30s or a multiple of 60s (as CloudWatch), got 0.5s",
                                "rules[ssh-rejects].alarm.threshold: expected a number, but the key is missing"));
    }

    @Test
    void designExampleWithEveryAlarmKeyWorks() {
        Rule r = rule("""
                match { action = REJECT, dstport = 22, protocol = 6 }
                metric { name = ssh_rejects, value = "1" }
                alarm { statistic = sum, period = 5m, evaluation-periods = 1, datapoints-to-alarm = 1,
                        comparison = ">=", threshold = 10, treat-missing-data = not-breaching }
                """);
        for (int i = 0; i < 14; i++) {
            r.onRecord(reject(T0 + i), out);
        }
        r.onWatermark(T0 + 300, out);
        assertThat(fired).singleElement().satisfies(s -> assertThat(s.summary()).isEqualTo("ssh_rejects sum 14 >= 10 for 1 of 1 periods of 5m"));
        r.onRecord(accept(T0 + 1300), out);
        // Quiet periods are missing, treated as not breaching, but only once the look-back (2 periods)
        // no longer finds the breaching datapoint: CloudWatch re-evaluates the last real datapoints
        // for a while after a metric stops.
        r.onWatermark(T0 + 900, out);
        assertThat(resolved).isEmpty();
        r.onWatermark(T0 + 1200, out);
        assertThat(resolved).containsExactly(1200L);
    }

    @Test
    void awsSpellingsAreAccepted() {
        Rule r = rule("metric { name = n, value = 2 }, alarm { statistic = SampleCount, period = 60s, comparison = GreaterThanThreshold,"
                + " threshold = 0, treat-missing-data = notBreaching }");
        r.onRecord(reject(T0), out);
        r.onWatermark(T0 + 60, out);
        assertThat(fired).singleElement().extracting(Signal::value).isEqualTo(1.0);
        assertThat(metrics().value(RecordingMetrics.childName("rule_n_total", List.of(), List.of()))).isEqualTo(2);
    }
}
