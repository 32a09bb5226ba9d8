package io.flowwatch.runtime.pipeline;

import com.typesafe.config.ConfigFactory;
import io.flowwatch.api.record.FlowField;
import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;
import io.flowwatch.api.rule.Rule;
import io.flowwatch.api.rule.RuleOutput;
import io.flowwatch.api.rule.RuleSpec;
import io.flowwatch.api.rule.Severity;
import io.flowwatch.runtime.alert.AlertTracker;
import io.flowwatch.runtime.config.RuleConfig;
import io.flowwatch.runtime.metrics.AgentMetrics;
import io.prometheus.client.CollectorRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine hands records to rules rule by rule over runs of a batch: whatever the batch size,
 * each rule must still see every record once, in arrival order, and a rule that throws must
 * cost only its own verdict on that one record.
 */
class RuleEngineTest {

    private final AgentMetrics metrics = new AgentMetrics(new CollectorRegistry(), false);

    @Test
    void everyRuleSeesEveryRecordOnceInArrivalOrderWhateverTheBatchSize() {
        SeenRule a = new SeenRule(-1);
        SeenRule b = new SeenRule(-1);
        SeenRule c = new SeenRule(-1);
        RuleEngine engine = engine(a, b, c);

        int next = 0;
        for (int size : new int[] {1000, 1, 256, 257, 0, 4096, 3}) { // runs cut batches; the last run is short
            engine.process("s", records(next, size));
            next += size;
        }

        List<Long> expected = LongStream.range(0, next).boxed().toList();
        assertThat(a.srcports).containsExactlyElementsOf(expected);
        assertThat(b.srcports).containsExactlyElementsOf(expected);
        assertThat(c.srcports).containsExactlyElementsOf(expected);
        assertThat(metrics.ruleEvaluations.labels("rule-0").get()).isEqualTo(next);
    }

    @Test
    void aRuleThatThrowsLosesOnlyThatRecordAndOtherRulesSeeEverything() {
        SeenRule failing = new SeenRule(300); // throws on the record with srcport 300, inside the second run
        SeenRule healthy = new SeenRule(-1);
        RuleEngine engine = engine(failing, healthy);

        engine.process("s", records(0, 1000));

        assertThat(healthy.srcports).hasSize(1000);
        assertThat(failing.srcports).hasSize(999).doesNotContain(300L).contains(299L, 301L, 999L);
    }

    private RuleEngine engine(Rule... rules) {
        List<BoundRule> bound = new ArrayList<>();
        for (int i = 0; i < rules.length; i++) {
            RuleSpec spec = new RuleSpec("rule-" + i, "test", "", Severity.INFO, Map.of());
            RuleConfig rc = new RuleConfig(spec, List.of(), List.of(), Duration.ofHours(1), true, ConfigFactory.empty(), "test");
            bound.add(new BoundRule(rc, rules[i], new AlertTracker(spec, Duration.ofHours(1))));
        }
        RuleEngine engine = new RuleEngine(bound, Duration.ofMinutes(1), metrics);
        engine.register("s");
        return engine;
    }

    private static List<FlowRecord> records(int first, int count) {
        List<FlowRecord> list = new ArrayList<>(count);
        for (int i = first; i < first + count; i++) {
            list.add(FlowRecord.builder(FlowFormat.DEFAULT).set(FlowField.SRCPORT, i).set(FlowField.START, 1_700_000_000L + i)
                    .build());
        }
        return list;
    }

    /** Records the srcport of every record in the order seen; throws on one port when asked. */
    private static final class SeenRule implements Rule {
        final List<Long> srcports = new ArrayList<>();
        private final long failOn;

        SeenRule(long failOn) {
            this.failOn = failOn;
        }

        @Override
        public void onRecord(FlowRecord record, RuleOutput out) {
            long port = record.getLong(FlowField.SRCPORT);
            if (port == failOn) {
                throw new IllegalStateException("a bug in the rule");
            }
            srcports.add(port);
        }

        @Override
        public void onWatermark(long watermark, RuleOutput out) {
        }
    }
}
