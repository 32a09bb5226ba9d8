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

class SpikeRuleTest {

    @TempDir
    Path state;

    static final long W = 300;
    static final long T0 = 1_764_000_000L - (1_764_000_000L % 3600);
    /** The exfiltration example of the design, with no volume floor unless a test sets one. */
    static final String EXFIL = "group-by = [srcaddr], sum = bytes, window = 5m, baseline = 1h, factor = 10, min-volume = 0";

    final List<Signal> fired = new ArrayList<>();
    final List<String> resolved = new ArrayList<>();
    final RuleOutput out = new RuleOutput() {
        @Override
        public void firing(Signal signal) {
            fired.add(signal);
        }

        @Override
        public void resolved(Map<String, String> key, long eventTime) {
            resolved.add(key + "@" + (eventTime - T0) / W);
        }
    };
    TestPluginContext ctx = new TestPluginContext("r", new MutableClock(Instant.EPOCH), state);

    Rule rule(String hocon) {
        return new SpikeRuleFactory().create(new RuleSpec("exfil", "spike", "", Severity.HIGH, Map.of()),
                ConfigFactory.parseString(hocon).withFallback(ConfigFactory.parseResources("reference.conf")
                        .getConfig("flowwatch.defaults.rules.spike")), ctx);
    }

    static FlowRecord rec(String src, long bytes, String action, long start) {
        return FlowRecord.builder(FlowFormat.DEFAULT).set(FlowField.VERSION, 2).set(FlowField.SRCADDR, src)
                .set(FlowField.DSTADDR, "203.0.113.5").set(FlowField.DSTPORT, 443).set(FlowField.PROTOCOL, 6)
                .set(FlowField.PACKETS, 1).set(FlowField.BYTES, bytes).set(FlowField.ACTION, action)
                .set(FlowField.START, start).set(FlowField.END, start + 1).set(FlowField.LOG_STATUS, "OK").build();
    }

    /** {@code bytes} from {@code src} in window number {@code w}, then that window closed. */
    static void send(Rule r, RuleOutput out, String src, long bytes, int w) {
        r.onRecord(rec(src, bytes, "ACCEPT", T0 + w * W + 10), out);
    }

    static void closeThrough(Rule r, RuleOutput out, int w) {
        r.onWatermark(T0 + (w + 1) * W, out);
    }

    @Test
    void firesAtFactorTimesTheKeysOwnBaselineAverageAndNotBelow() {
        Rule r = rule(EXFIL);
        for (int w = 0; w < 12; w++) {
            send(r, out, "a", 100, w);
            send(r, out, "b", 100, w);
            send(r, out, "c", 5000, w); // a busy key: 5000 is its normal
        }
        send(r, out, "a", 600, 12);
        send(r, out, "a", 400, 12); // 1000 = 10 × 100
        send(r, out, "b", 999, 12);
        send(r, out, "c", 5000, 12);
        closeThrough(r, out, 11);
        assertThat(fired).isEmpty();
        closeThrough(r, out, 12);
        assertThat(fired).singleElement().satisfies(s -> {
            assertThat(s.key()).isEqualTo(Map.of("srcaddr", "a"));
            assertThat(s.value()).isEqualTo(1000);
            assertThat(s.threshold()).isEqualTo(1000);
            assertThat(s.windowStart()).isEqualTo(T0 + 12 * W);
            assertThat(s.windowEnd()).isEqualTo(T0 + 13 * W);
            assertThat(s.summary()).isEqualTo(
                    "a reached 1000 bytes in 5m, 10.0 times its average of 100 per 5m over 1h (factor 10, min-volume 0)");
            assertThat(s.samples()).hasSize(2);
        });
    }

    @Test
    void quietWindowsCountAsZeroInTheBaseline() {
        Rule r = rule(EXFIL);
        send(r, out, "a", 1200, 0); // then nothing for 11 windows: average 100 per window
        send(r, out, "a", 1000, 12);
        closeThrough(r, out, 12);
        assertThat(fired).singleElement().extracting(Signal::threshold).isEqualTo(1000.0);
    }

    @Test
    void countsRecordsWhenSumIsCountOrAbsent() {
        Rule r = rule("group-by = [srcaddr], window = 5m, baseline = 10m, factor = 3, min-volume = 0");
        for (int w = 0; w < 2; w++) {
            send(r, out, "a", 1_000_000, w); // bytes do not matter, one record per window
        }
        for (int i = 0; i < 3; i++) {
            send(r, out, "a", 1, 2);
        }
        closeThrough(r, out, 2);
        assertThat(fired).singleElement().satisfies(s -> {
            assertThat(s.value()).isEqualTo(3);
            assertThat(s.summary()).startsWith("a reached 3 records in 5m, 3.0 times its average of 1 per 5m over 10m");
        });
    }

    @Test
    void keysWithoutAFullBaselineDoNotFire() {
        Rule r = rule(EXFIL);
        send(r, out, "old", 10, 0);
        for (int w = 1; w < 12; w++) {
            send(r, out, "old", 10, w);
            send(r, out, "new", 10, w); // first seen one window later: 11 windows of history at window 12
        }
        send(r, out, "old", 1_000_000, 12);
        send(r, out, "new", 1_000_000, 12);
        send(r, out, "newest", 1_000_000, 12); // no history at all
        closeThrough(r, out, 12);
        assertThat(fired).extracting(s -> s.key().get("srcaddr")).containsExactly("old");
        send(r, out, "new", 1_000_000, 13); // now it has a full hour behind it
        closeThrough(r, out, 13);
        assertThat(fired).extracting(s -> s.key().get("srcaddr")).containsExactly("old", "new");
    }

    @Test
    void anAbsoluteThresholdFiresKeysWithoutHistory() {
        Rule r = rule(EXFIL + ", threshold = 1MiB");
        send(r, out, "new", 1_048_575, 0);
        send(r, out, "newer", 1_048_576, 0);
        closeThrough(r, out, 0);
        assertThat(fired).singleElement().satisfies(s -> {
            assertThat(s.key()).containsEntry("srcaddr", "newer");
            assertThat(s.threshold()).isEqualTo(1_048_576);
            assertThat(s.summary()).isEqualTo("newer reached 1048576 bytes in 5m (threshold 1048576)");
        });
    }

    @Test
    void minVolumeKeepsSmallKeysQuiet() {
        Rule r = rule(EXFIL + ", min-volume = 100");
        for (int w = 0; w < 12; w++) {
            send(r, out, "tiny", 1, w);
            send(r, out, "small", 1, w);
        }
        send(r, out, "tiny", 99, 12); // 99 × its average, but under min-volume
        send(r, out, "small", 100, 12);
        closeThrough(r, out, 12);
        assertThat(fired).singleElement().satisfies(s -> {
            assertThat(s.key()).containsEntry("srcaddr", "small");
            assertThat(s.threshold()).isEqualTo(100);
        });
    }

    @Test
    void resolvesWhenALaterWindowNoLongerBreachesOrIsQuiet() {
        Rule r = rule(EXFIL);
        for (int w = 0; w < 12; w++) {
            send(r, out, "a", 100, w);
            send(r, out, "b", 100, w);
        }
        send(r, out, "a", 5000, 12);
        send(r, out, "b", 5000, 12);
        send(r, out, "a", 100, 13); // a back to normal, b silent
        closeThrough(r, out, 13);
        assertThat(fired).hasSize(2);
        assertThat(resolved).containsExactlyInAnyOrder("{srcaddr=a}@14", "{srcaddr=b}@14"); // the end of window 13

        send(r, out, "a", 100_000, 14);
        r.onRecord(rec("z", 1, "REJECT", T0 + 20 * W), out); // any record moves event time on
        r.onWatermark(Long.MAX_VALUE, out);
        assertThat(fired).hasSize(3); // a again: 100000 against an average of 508
        assertThat(resolved).hasSize(3).contains("{srcaddr=a}@16"); // the end of window 15
    }

    @Test
    void endOfInputClosesEveryWindowWithoutInventingResolves() {
        Rule r = rule(EXFIL + ", threshold = 10");
        send(r, out, "a", 10, 0);
        r.onWatermark(Long.MAX_VALUE, out);
        assertThat(fired).hasSize(1);
        assertThat(resolved).isEmpty();
    }

    @Test
    void recordsForAlreadyClosedWindowsAreIgnored() {
        Rule r = rule(EXFIL + ", threshold = 10");
        send(r, out, "a", 5, 1);
        closeThrough(r, out, 1);
        send(r, out, "a", 5, 1); // late
        r.onWatermark(Long.MAX_VALUE, out);
        assertThat(fired).isEmpty();
    }

    @Test
    void maxKeysDropsTheLeastRecentlySeenHistoryCountsItAndTheKeyStartsOver() {
        Rule r = rule(EXFIL + ", max-keys = 2");
        for (int w = 0; w < 12; w++) {
            send(r, out, "a", 100, w);
            send(r, out, "b", 100, w);
        }
        send(r, out, "c", 100, 12); // a third key with history: a, seen least recently, is dropped
        send(r, out, "b", 100, 12);
        closeThrough(r, out, 12);
        assertThat(ctx.metrics().value("rule_keys_evicted_total")).isEqualTo(1);
        send(r, out, "a", 100_000, 13);
        send(r, out, "b", 100_000, 13);
        closeThrough(r, out, 13);
        assertThat(fired).extracting(s -> s.key().get("srcaddr")).containsExactly("b");
        assertThat(ctx.metrics().value("rule_keys_evicted_total")).isEqualTo(2); // a came back, c went
    }

    @Test
    void configProblemsNameTheirKeys() {
        assertThatThrownBy(() -> rule("group-by = [scraddr], sum = srcaddr, window = 5m, baseline = 7m, factor = 0.5, min-volume = -1"))
                .isInstanceOf(FlowwatchException.class)
                .satisfies(e -> assertThat(((FlowwatchException) e).problems()).extracting(p -> p.key() + ": " + p.message())
                        .containsExactlyInAnyOrder(
                                "rules[exfil].group-by: expected a flow-log field name such as srcaddr, dstaddr or dstport, got 'scraddr'",
                                "rules[exfil].sum: expected count or a numeric flow-log field such as bytes or packets, got 'srcaddr'",
                                "rules[exfil].baseline: expected a multiple of window (5m), got 7m",
                                "rules[exfil].factor: expected a number of at least 1, got 0.5",
                                "rules[exfil].min-volume: expected a size such as 4MiB or 65536, got -1"));
    }

    @Test
    void aThresholdOfZeroIsRefused() {
        assertThatThrownBy(() -> rule("threshold = 0"))
                .satisfies(e -> assertThat(((FlowwatchException) e).problems()).extracting(p -> p.key() + ": " + p.message())
                        .containsExactly("rules[exfil].threshold: expected a volume of at least 1, got 0"));
    }

    @Test
    void aBaselineShorterThanTheWindowOrTooLongIsRefused() {
        assertThatThrownBy(() -> rule("window = 1h, baseline = 5m"))
                .satisfies(e -> assertThat(((FlowwatchException) e).problems()).extracting(p -> p.key() + ": " + p.message())
                        .containsExactly("rules[exfil].baseline: expected a multiple of window (1h), got 5m"));
        assertThatThrownBy(() -> rule("window = 1s, baseline = 1d"))
                .satisfies(e -> assertThat(((FlowwatchException) e).problems()).extracting(p -> p.key() + ": " + p.message())
                        .containsExactly("rules[exfil].baseline: expected at most 10000 windows of 1s, got 86400"));
    }
}
