package io.flowwatch.plugin.rules;

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
import io.flowwatch.testkit.MutableClock;
import io.flowwatch.testkit.TestPluginContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

class FrequencyRuleTest {

    @TempDir
    Path state;

    static final long T0 = 1_764_000_000L - (1_764_000_000L % 300);

    final List<Signal> fired = new ArrayList<>();
    final List<String> resolved = new ArrayList<>();
    final RuleOutput out = new RuleOutput() {
        @Override
        public void firing(Signal signal) {
            fired.add(signal);
        }

        @Override
        public void resolved(Map<String, String> key, long eventTime) {
            resolved.add(key + "@" + (eventTime - T0));
        }
    };

    TestPluginContext ctx() {
        return new TestPluginContext("r", new MutableClock(Instant.EPOCH), state);
    }

    Rule rule(String hocon) {
        return new FrequencyRuleFactory().create(new RuleSpec("ssh", "frequency", "", Severity.HIGH, Map.of()),
                ConfigFactory.parseString(hocon).withFallback(ConfigFactory.parseResources("reference.conf")
                        .getConfig("flowwatch.defaults.rules.frequency")), ctx());
    }

    static FlowRecord rec(String src, int dstport, String action, long start) {
        return FlowRecord.builder(FlowFormat.DEFAULT).set(FlowField.VERSION, 2).set(FlowField.SRCADDR, src)
                .set(FlowField.DSTADDR, "10.0.0.1").set(FlowField.DSTPORT, dstport).set(FlowField.PROTOCOL, 6)
                .set(FlowField.ACTION, action).set(FlowField.START, start).set(FlowField.END, start + 1)
                .set(FlowField.LOG_STATUS, "OK").build();
    }

    @Test
    void firesForKeysAtThresholdWhenTheWindowClosesAndNotBefore() {
        Rule r = rule("match { action = REJECT, dstport = 22 }, group-by = [srcaddr], window = 5m, threshold = 3");
        for (int i = 0; i < 3; i++) {
            r.onRecord(rec("1.2.3.4", 22, "REJECT", T0 + i), out);
            r.onRecord(rec("5.6.7.8", 22, "REJECT", T0 + i + (i == 2 ? 1000 : 0)), out); // only 2 in the window
            r.onRecord(rec("9.9.9.9", 443, "REJECT", T0 + i), out); // other port: no match
            r.onRecord(rec("1.2.3.4", 22, "ACCEPT", T0 + i), out); // accepted: no match
        }
        r.onWatermark(T0 + 299, out);
        assertThat(fired).isEmpty();
        r.onWatermark(T0 + 300, out);
        assertThat(fired).singleElement().satisfies(s -> {
            assertThat(s.key()).isEqualTo(Map.of("srcaddr", "1.2.3.4"));
            assertThat(s.value()).isEqualTo(3);
            assertThat(s.threshold()).isEqualTo(3);
            assertThat(s.windowStart()).isEqualTo(T0);
            assertThat(s.windowEnd()).isEqualTo(T0 + 300);
            assertThat(s.summary()).isEqualTo("1.2.3.4 matched ssh 3 times in 5m (threshold 3)");
            assertThat(s.samples()).hasSize(3);
        });
    }

    @Test
    void recordsAlternatingBetweenWindowsAreCountedInTheirOwn() {
        // Out-of-order input jumps between windows (the engine remembers the last two it used):
        // each window must get exactly its own records, whichever window the record before was in.
        Rule r = rule("match { action = REJECT }, group-by = [srcaddr], window = 5m, threshold = 1");
        long[] windowOf = {0, 1, 0, 2, 1, 2, 0, 0, 1, 2, 2, 2, 0, 1, 1, 1};
        int[] perWindow = new int[3];
        for (long w : windowOf) {
            perWindow[(int) w]++;
            r.onRecord(rec("1.2.3.4", 22, "REJECT", T0 + w * 300 + (perWindow[(int) w] - 1) * 149 % 300), out); // 0, 149, 298, 147..
        }
        r.onWatermark(T0 + 900, out);
        assertThat(fired).extracting(s -> s.windowStart() - T0, Signal::value)
                .containsExactly(tuple(0L, (double) perWindow[0]),
                        tuple(300L, (double) perWindow[1]),
                        tuple(600L, (double) perWindow[2]));
    }

    @Test
    void resolvesWhenALaterWindowIsUnderThresholdOrEmpty() {
        Rule r = rule("group-by = [srcaddr], window = 1m, threshold = 2");
        r.onRecord(rec("a", 1, "REJECT", T0), out);
        r.onRecord(rec("a", 1, "REJECT", T0 + 1), out);
        r.onRecord(rec("b", 1, "REJECT", T0 + 1), out);
        r.onRecord(rec("b", 1, "REJECT", T0 + 2), out);
        r.onRecord(rec("a", 1, "REJECT", T0 + 61), out); // a: 1 in the next window
        r.onRecord(rec("c", 1, "REJECT", T0 + 400), out); // time moves on
        r.onWatermark(T0 + 400, out);
        assertThat(fired).extracting(s -> s.key().get("srcaddr")).containsExactlyInAnyOrder("a", "b");
        assertThat(resolved).containsExactlyInAnyOrder("{srcaddr=a}@120", "{srcaddr=b}@120");
    }

    @Test
    void trafficThatDoesNotMatchStillMovesTimeOnAndResolves() {
        Rule r = rule("match { action = REJECT }, group-by = [srcaddr], window = 1m, threshold = 1");
        r.onRecord(rec("a", 22, "REJECT", T0), out);
        r.onRecord(rec("z", 443, "ACCEPT", T0 + 500), out); // only accepted traffic afterwards
        r.onWatermark(Long.MAX_VALUE, out);
        assertThat(fired).hasSize(1);
        assertThat(resolved).containsExactly("{srcaddr=a}@120");
    }

    @Test
    void endOfInputClosesEveryWindowWithoutInventingResolves() {
        Rule r = rule("group-by = [srcaddr], window = 1m, threshold = 1");
        r.onRecord(rec("a", 1, "REJECT", T0), out);
        r.onWatermark(Long.MAX_VALUE, out);
        assertThat(fired).hasSize(1);
        assertThat(resolved).isEmpty();
    }

    @Test
    void recordsForAlreadyClosedWindowsAreIgnored() {
        Rule r = rule("window = 1m, threshold = 1");
        r.onRecord(rec("a", 1, "REJECT", T0 + 100), out);
        r.onWatermark(T0 + 120, out);
        r.onRecord(rec("a", 1, "REJECT", T0 + 5), out); // its window [T0, T0+60) closed long ago
        r.onWatermark(Long.MAX_VALUE, out);
        assertThat(fired).extracting(Signal::windowStart).containsExactly(T0 + 60);
    }

    @Test
    void recordsBelowTheWatermarkAreLateEvenWhenTheirWindowHeldNothing() {
        Rule r = rule("window = 1m, threshold = 1");
        r.onWatermark(T0 + 120, out); // nothing arrived yet; [T0, T0+60) is over all the same
        r.onRecord(rec("a", 1, "REJECT", T0 + 5), out);
        r.onWatermark(Long.MAX_VALUE, out);
        assertThat(fired).isEmpty();
    }

    @Test
    void maxKeysEvictsTheLeastRecentlySeenAndCountsIt() {
        TestPluginContext ctx = ctx();
        Rule r = new FrequencyRuleFactory().create(new RuleSpec("x", "frequency", "", Severity.LOW, Map.of()),
                ConfigFactory.parseString("group-by = [srcaddr], window = 1m, threshold = 1, max-keys = 2, match {}"), ctx);
        r.onRecord(rec("a", 1, "REJECT", T0), out);
        r.onRecord(rec("b", 1, "REJECT", T0), out);
        r.onRecord(rec("a", 1, "REJECT", T0), out);
        r.onRecord(rec("c", 1, "REJECT", T0), out); // evicts b
        r.onWatermark(T0 + 60, out);
        assertThat(fired).extracting(s -> s.key().get("srcaddr")).containsExactlyInAnyOrder("a", "c");
        assertThat(ctx.metrics().value("rule_keys_evicted_total")).isEqualTo(1);
    }

    @Test
    void configProblemsAreReportedTogetherWithTheirKeys() {
        assertThatThrownBy(() -> rule("window = soon, threshold = 0, match = 5"))
                .isInstanceOf(FlowwatchException.class)
                .satisfies(e -> assertThat(((FlowwatchException) e).problems()).extracting(p -> p.key() + ": " + p.message())
                        .containsExactlyInAnyOrder(
                                "rules[ssh].match: expected an object of field = value, e.g. { action = REJECT, dstport = 22 }",
                                "rules[ssh].window: expected a duration such as 30s, 5m or 1h, got \"soon\"",
                                "rules[ssh].threshold: expected an integer from 1 to 9223372036854775807, got 0"));
    }
}
