package io.flowwatch.runtime.pipeline;

import com.typesafe.config.ConfigFactory;
import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;
import io.flowwatch.api.rule.Rule;
import io.flowwatch.api.rule.RuleOutput;
import io.flowwatch.api.rule.RuleSpec;
import io.flowwatch.api.rule.Severity;
import io.flowwatch.api.source.LineChunk;
import io.flowwatch.api.source.Position;
import io.flowwatch.api.source.Source;
import io.flowwatch.api.source.SourceBatch;
import io.flowwatch.runtime.alert.AlertTracker;
import io.flowwatch.runtime.config.RuleConfig;
import io.flowwatch.runtime.metrics.AgentMetrics;
import io.flowwatch.runtime.notify.NotificationDispatcher;
import io.prometheus.client.CollectorRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The runner parses the next batch while the previous one is evaluated. These tests pin what
 * that overlap must not change: batches are evaluated whole and in order, at most one batch runs
 * ahead of evaluation, and a stop still evaluates and commits every batch that was polled.
 */
class SourceRunnerTest {

    @TempDir
    Path tmp;

    private final AgentMetrics metrics = new AgentMetrics(new CollectorRegistry(), false);

    @Test
    void evaluatesEveryBatchInOrderWithAtMostOneBatchAhead() throws Exception {
        SeenRule seen = new SeenRule(2);
        RuleEngine engine = engine(seen);
        ScriptedSource source = new ScriptedSource(engine, 40, false);
        SourceRunner runner = runner(source, engine, true);

        runner.run();

        List<Long> expected = new ArrayList<>();
        for (long i = 0; i < 40 * ScriptedSource.LINES; i++) {
            expected.add(i);
        }
        assertThat(seen.srcports).containsExactlyElementsOf(expected);
        assertThat(engine.positionsOf("s")).containsEntry("p", "40");
        assertThat(metrics.recordsParsed.labels("s").get()).isEqualTo(40.0 * ScriptedSource.LINES);
        // When batch k is polled, batch k-2 has been evaluated (its position taken), batch k-1 maybe not.
        for (int k = 0; k < source.committedAtPoll.size(); k++) {
            long committed = source.committedAtPoll.get(k);
            assertThat(committed).as("position committed when batch %d was polled", k)
                    .isBetween((long) Math.max(0, k - 1), (long) k);
        }
        boolean ranAhead = false;
        for (int k = 1; k < source.committedAtPoll.size(); k++) {
            ranAhead |= source.committedAtPoll.get(k) == k - 1;
        }
        assertThat(ranAhead).as("some batch was polled while the one before was being evaluated").isTrue();
        assertThat(source.closedOn).isEqualTo(source.polledOn);
    }

    @Test
    void stopEvaluatesAndCommitsTheBatchInFlight() throws Exception {
        SeenRule seen = new SeenRule(30);
        RuleEngine engine = engine(seen);
        ScriptedSource source = new ScriptedSource(engine, Integer.MAX_VALUE, true);
        SourceRunner runner = runner(source, engine, false);
        Thread t = new Thread(runner, "source-s");
        t.start();
        assertThat(source.polled.await(10, TimeUnit.SECONDS)).isTrue();

        runner.stop();
        assertThat(runner.awaitDone(Duration.ofSeconds(30))).isTrue();

        int polled = source.batches;
        assertThat(seen.srcports).hasSize(polled * ScriptedSource.LINES);
        assertThat(engine.positionsOf("s")).containsEntry("p", String.valueOf(polled));
    }

    private RuleEngine engine(Rule rule) {
        RuleSpec spec = new RuleSpec("seen", "test", "", Severity.INFO, Map.of());
        RuleConfig rc = new RuleConfig(spec, List.of(), List.of(), Duration.ofHours(1), true, ConfigFactory.empty(), "test");
        return new RuleEngine(List.of(new BoundRule(rc, rule, new AlertTracker(spec, Duration.ofHours(1)))),
                Duration.ofMinutes(1), metrics);
    }

    private SourceRunner runner(Source source, RuleEngine engine, boolean once) {
        NotificationDispatcher dispatcher = new NotificationDispatcher(Map.of(), Map.of(), tmp.resolve("outbox"), metrics);
        return new SourceRunner("s", source, FlowFormat.DEFAULT, engine, dispatcher, metrics, Clock.systemUTC(),
                Duration.ofMillis(100), once);
    }

    /** Records the srcport of every record in the order seen; slow, so that parsing runs ahead. */
    private static final class SeenRule implements Rule {
        final List<Long> srcports = new CopyOnWriteArrayList<>();
        private final long sleepMillisPerBatchStart;

        SeenRule(long sleepMillisPerBatchStart) {
            this.sleepMillisPerBatchStart = sleepMillisPerBatchStart;
        }

        @Override
        public void onRecord(FlowRecord record, RuleOutput out) {
            long port = record.longAt(5);
            if (port % ScriptedSource.LINES == 0) {
                try {
                    Thread.sleep(sleepMillisPerBatchStart);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            srcports.add(port);
        }

        @Override
        public void onWatermark(long watermark, RuleOutput out) {
        }
    }

    /** Batch k holds lines whose srcport counts up across batches, and position p=k+1. */
    private static final class ScriptedSource implements Source {
        static final int LINES = 50;
        final List<Long> committedAtPoll = new CopyOnWriteArrayList<>();
        final CountDownLatch polled = new CountDownLatch(3);
        private final RuleEngine engine;
        private final int limit;
        private final boolean endless;
        volatile int batches;
        volatile String polledOn;
        volatile String closedOn;

        ScriptedSource(RuleEngine engine, int limit, boolean endless) {
            this.engine = engine;
            this.limit = limit;
            this.endless = endless;
        }

        @Override
        public void open(Map<String, String> committed) {
        }

        @Override
        public SourceBatch poll(Duration maxWait) {
            polledOn = Thread.currentThread().getName();
            String p = engine.positionsOf("s").get("p");
            committedAtPoll.add(p == null ? 0 : Long.parseLong(p));
            int k = batches;
            StringBuilder lines = new StringBuilder();
            for (int i = 0; i < LINES; i++) {
                long port = (long) k * LINES + i;
                lines.append("2 123456789012 eni-1 10.0.0.1 10.0.0.2 ").append(port)
                        .append(" 443 6 1 100 1700000000 1700000060 ACCEPT OK\n");
            }
            batches = k + 1;
            polled.countDown();
            byte[] data = lines.toString().getBytes(StandardCharsets.US_ASCII);
            return new SourceBatch(List.of(LineChunk.of("batch-" + k, 1, data, null)), List.of(),
                    List.of(new Position("p", String.valueOf(k + 1))), !endless && k + 1 >= limit);
        }

        @Override
        public void close() {
            closedOn = Thread.currentThread().getName();
        }
    }
}
