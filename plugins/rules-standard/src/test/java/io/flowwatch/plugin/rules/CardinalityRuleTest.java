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
import static org.assertj.core.api.Assertions.within;

class CardinalityRuleTest {

    @TempDir
    Path state;

    static final long T0 = 1_764_000_000L - (1_764_000_000L % 600);

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
    TestPluginContext ctx = new TestPluginContext("r", new MutableClock(Instant.EPOCH), state);

    Rule rule(String hocon) {
        return new CardinalityRuleFactory().create(new RuleSpec("scan", "cardinality", "", Severity.HIGH, Map.of()),
                ConfigFactory.parseString(hocon).withFallback(ConfigFactory.parseResources("reference.conf")
                        .getConfig("flowwatch.defaults.rules.cardinality")), ctx);
    }

    static FlowRecord rec(String src, String dst, int dstport, String action, long start) {
        return FlowRecord.builder(FlowFormat.DEFAULT).set(FlowField.VERSION, 2).set(FlowField.SRCADDR, src)
                .set(FlowField.DSTADDR, dst).set(FlowField.DSTPORT, dstport).set(FlowField.PROTOCOL, 6)
                .set(FlowField.ACTION, action).set(FlowField.START, start).set(FlowField.END, start + 1)
                .set(FlowField.LOG_STATUS, "OK").build();
    }

    static FlowRecord port(String src, int dstport, long start) {
        return rec(src, "10.0.0.1", dstport, "REJECT", start);
    }

    @Test
    void firesForKeysWithThresholdDistinctValuesWhenTheWindowClosesAndNotBelow() {
        Rule r = rule("match { action = REJECT }, group-by = [srcaddr], distinct = dstport, window = 10m, threshold = 3");
        for (int p = 1; p <= 3; p++) {
            r.onRecord(port("198.51.100.23", p, T0 + p), out);
            r.onRecord(port("198.51.100.23", p, T0 + p + 10), out); // repeats add nothing
            r.onRecord(port("203.0.113.9", p == 3 ? 2 : p, T0 + p), out); // only 2 distinct ports
            r.onRecord(rec("192.0.2.1", "10.0.0.1", p, "ACCEPT", T0 + p), out); // not matching
        }
        r.onWatermark(T0 + 599, out);
        assertThat(fired).isEmpty();
        r.onWatermark(T0 + 600, out);
        assertThat(fired).singleElement().satisfies(s -> {
            assertThat(s.key()).isEqualTo(Map.of("srcaddr", "198.51.100.23"));
            assertThat(s.value()).isEqualTo(3);
            assertThat(s.threshold()).isEqualTo(3);
            assertThat(s.windowStart()).isEqualTo(T0);
            assertThat(s.windowEnd()).isEqualTo(T0 + 600);
            assertThat(s.summary()).isEqualTo("198.51.100.23 reached 3 distinct dstport values in 10m (threshold 3)");
            assertThat(s.samples()).extracting(f -> f.getLong(FlowField.DSTPORT)).containsExactly(1L, 2L, 3L);
        });
    }

    @Test
    void countsDistinctTextValuesForHostSweeps() {
        Rule r = rule("group-by = [srcaddr], distinct = dstaddr, window = 10m, threshold = 4");
        for (int i = 0; i < 4; i++) {
            r.onRecord(rec("a", "10.0.0." + i, 443, "ACCEPT", T0 + i), out);
            r.onRecord(rec("a", "10.0.0." + i, 80, "ACCEPT", T0 + i), out);
            r.onRecord(rec("b", "10.0.0.1", 1000 + i, "ACCEPT", T0 + i), out); // many ports, one host
        }
        r.onWatermark(T0 + 600, out);
        assertThat(fired).singleElement().satisfies(s -> {
            assertThat(s.key()).containsEntry("srcaddr", "a");
            assertThat(s.value()).isEqualTo(4);
            assertThat(s.summary()).isEqualTo("a reached 4 distinct dstaddr values in 10m (threshold 4)");
        });
    }

    @Test
    void portZeroIsAValueLikeAnyOther() {
        Rule r = rule("group-by = [srcaddr], distinct = dstport, window = 10m, threshold = 2");
        r.onRecord(port("a", 0, T0), out);
        r.onRecord(port("a", 0, T0 + 1), out);
        r.onRecord(port("a", 1, T0 + 2), out);
        r.onWatermark(T0 + 600, out);
        assertThat(fired).singleElement().extracting(Signal::value).isEqualTo(2.0);
    }

    @Test
    void resolvesWhenALaterWindowIsUnderThresholdOrEmpty() {
        Rule r = rule("group-by = [srcaddr], distinct = dstport, window = 10m, threshold = 2");
        r.onRecord(port("a", 1, T0), out);
        r.onRecord(port("a", 2, T0 + 1), out);
        r.onRecord(port("b", 1, T0 + 1), out);
        r.onRecord(port("b", 2, T0 + 2), out);
        r.onRecord(port("a", 1, T0 + 601), out);
        r.onRecord(port("a", 1, T0 + 602), out); // a: one port in the next window
        r.onRecord(rec("z", "10.0.0.9", 443, "ACCEPT", T0 + 2000), out); // input moves on
        r.onWatermark(T0 + 2000, out);
        assertThat(fired).extracting(s -> s.key().get("srcaddr")).containsExactlyInAnyOrder("a", "b");
        assertThat(resolved).containsExactlyInAnyOrder("{srcaddr=a}@1200", "{srcaddr=b}@1200");
    }

    @Test
    void quietWindowsAfterAFiringOneResolveByTheNewestEventTimeOfAnyRecord() {
        Rule r = rule("match { action = REJECT }, group-by = [srcaddr], distinct = dstport, window = 10m, threshold = 2");
        r.onRecord(port("a", 1, T0), out);
        r.onRecord(port("a", 2, T0), out);
        r.onRecord(rec("z", "10.0.0.9", 443, "ACCEPT", T0 + 1300), out); // only accepted traffic afterwards
        r.onWatermark(Long.MAX_VALUE, out);
        assertThat(fired).hasSize(1);
        assertThat(resolved).containsExactly("{srcaddr=a}@1200");
    }

    @Test
    void endOfInputClosesEveryWindowWithoutInventingResolves() {
        Rule r = rule("group-by = [srcaddr], distinct = dstport, window = 10m, threshold = 1");
        r.onRecord(port("a", 1, T0), out);
        r.onWatermark(Long.MAX_VALUE, out);
        assertThat(fired).hasSize(1);
        assertThat(resolved).isEmpty();
    }

    @Test
    void recordsForAlreadyClosedWindowsAreIgnored() {
        Rule r = rule("distinct = dstport, window = 10m, threshold = 2");
        r.onRecord(port("a", 1, T0 + 600), out);
        r.onWatermark(T0 + 600, out);
        r.onRecord(port("a", 2, T0 + 5), out); // late for [T0, T0+600)
        r.onRecord(port("a", 3, T0 + 5), out);
        r.onWatermark(Long.MAX_VALUE, out);
        assertThat(fired).isEmpty();
    }

    @Test
    void maxKeysEvictsTheLeastRecentlySeenAndCountsIt() {
        Rule r = rule("group-by = [srcaddr], distinct = dstport, window = 10m, threshold = 1, max-keys = 2");
        r.onRecord(port("a", 1, T0), out);
        r.onRecord(port("b", 1, T0), out);
        r.onRecord(port("a", 2, T0), out);
        r.onRecord(port("c", 1, T0), out); // evicts b
        r.onWatermark(T0 + 600, out);
        assertThat(fired).extracting(s -> s.key().get("srcaddr")).containsExactlyInAnyOrder("a", "c");
        assertThat(ctx.metrics().value("rule_keys_evicted_total")).isEqualTo(1);
        assertThat(r.trackedKeys()).isZero();
    }

    @Test
    void aboveTheExactLimitTheSketchStaysWithinItsDocumentedError() {
        Rule r = rule("group-by = [srcaddr], distinct = dstport, window = 10m, threshold = 90000, exact-limit = 100");
        Rule hosts = rule("group-by = [srcaddr], distinct = dstaddr, window = 10m, threshold = 90000, exact-limit = 100");
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            FlowRecord f = rec("a", "10." + (i >> 16) + "." + ((i >> 8) & 255) + "." + (i & 255), i, "REJECT", T0 + i % 600);
            r.onRecord(f, out);
            hosts.onRecord(f, out);
            if (i % 3 == 0) {
                r.onRecord(f, out); // repeats must not inflate the estimate
                hosts.onRecord(f, out);
            }
        }
        r.onWatermark(T0 + 600, out);
        hosts.onWatermark(T0 + 600, out);
        assertThat(fired).hasSize(2).allSatisfy(s -> {
            assertThat(s.value()).isCloseTo(n, within(n * 0.05)); // reference.conf: almost all within 5%
            assertThat(s.summary()).startsWith("a reached about ");
        });
    }

    @Test
    void exactUpToTheLimitAndAThresholdBelowItIsNeverMissed() {
        Rule r = rule("group-by = [srcaddr], distinct = dstport, window = 10m, threshold = 4096");
        for (int p = 0; p < 4096; p++) {
            r.onRecord(port("a", p, T0), out);
            r.onRecord(port("b", p == 4095 ? 0 : p, T0), out);
        }
        r.onWatermark(T0 + 600, out);
        assertThat(fired).singleElement().satisfies(s -> {
            assertThat(s.key()).containsEntry("srcaddr", "a");
            assertThat(s.value()).isEqualTo(4096);
        });
    }

    @Test
    void configProblemsNameTheirKeys() {
        assertThatThrownBy(() -> rule("group-by = [srcadr], distinct = dstprot, window = soon, threshold = 0, exact-limit = -1"))
                .isInstanceOf(FlowwatchException.class)
                .satisfies(e -> assertThat(((FlowwatchException) e).problems()).extracting(p -> p.key() + ": " + p.message())
                        .containsExactlyInAnyOrder(
                                "rules[scan].group-by: expected a flow-log field name such as srcaddr, dstaddr or dstport, got 'srcadr'",
                                "rules[scan].distinct: expected a flow-log field name such as srcaddr, dstaddr or dstport, got 'dstprot'",
                                "rules[scan].window: expected a duration such as 30s, 5m or 1h, got \"soon\"",
                                "rules[scan].threshold: expected an integer from 1 to 9223372036854775807, got 0",
                                "rules[scan].exact-limit: expected an integer from 0 to 65536, got -1"));
    }

    @Test
    void distinctIsRequired() {
        assertThatThrownBy(() -> rule("group-by = [srcaddr]"))
                .isInstanceOf(FlowwatchException.class)
                .satisfies(e -> assertThat(((FlowwatchException) e).problems()).extracting(p -> p.key())
                        .containsExactly("rules[scan].distinct"));
    }
}
