package io.flowwatch.runtime.pipeline;

import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;
import io.flowwatch.api.source.LineChunk;
import io.flowwatch.api.source.Position;
import io.flowwatch.api.source.Source;
import io.flowwatch.api.source.SourceBatch;
import io.flowwatch.runtime.metrics.AgentMetrics;
import io.flowwatch.runtime.notify.NotificationDispatcher;
import io.flowwatch.runtime.parse.FlowLogParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The pipeline of one source: poll → parse on its own thread, then evaluate → notify → commit on a
 * second one, so that parsing the next batch overlaps evaluating this one.
 * Positions are committed by the engine's checkpoints, together with rule state and only after the
 * batch's alerts were handed to the notifiers, so a crash re-reads into the state as it was, never
 * skips. A failing source backs off and retries; it never stops the agent.
 */
public final class SourceRunner implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(SourceRunner.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(60);

    private final String name;
    private final Source source;
    private final FlowLogParser parser;
    private final RuleEngine engine;
    private final NotificationDispatcher dispatcher;
    private final AgentMetrics metrics;
    private final Clock clock;
    private final Duration pollTimeout;
    private final boolean once;
    private final RateLimitedLog malformedLog;
    private final CountDownLatch done = new CountDownLatch(1);

    private volatile boolean stopping;
    private volatile boolean healthy = true;
    private volatile String lastError = "";

    public SourceRunner(String name, Source source, FlowFormat format, RuleEngine engine, NotificationDispatcher dispatcher,
                        AgentMetrics metrics, Clock clock, Duration pollTimeout, boolean once) {
        this.name = name;
        this.source = source;
        this.parser = new FlowLogParser(format);
        this.engine = engine;
        this.dispatcher = dispatcher;
        this.metrics = metrics;
        this.clock = clock;
        this.pollTimeout = pollTimeout;
        this.once = once;
        this.malformedLog = new RateLimitedLog(LoggerFactory.getLogger("io.flowwatch.records"), clock, 10);
    }

    public String name() {
        return name;
    }

    public boolean healthy() {
        return healthy;
    }

    public String lastError() {
        return lastError;
    }

    /** Asks the runner to finish the batch in hand, commit and return. Thread-safe. */
    public void stop() {
        stopping = true;
        source.wakeup();
    }

    /** Waits until the runner has committed and closed its source. */
    public boolean awaitDone(Duration timeout) throws InterruptedException {
        return done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void run() {
        // Parsing costs about what evaluating costs, so the two overlap: this thread polls and
        // parses batch N+1 while the evaluator thread evaluates batch N. Batches are evaluated
        // strictly in order, one at a time, so positions still advance in order.
        ExecutorService evaluator = Executors.newSingleThreadExecutor(
                r -> new Thread(r, Thread.currentThread().getName() + "-eval"));
        Future<?> inFlight = null;
        try {
            engine.register(name);
            if (!openWithRetry()) {
                return;
            }
            log.info("source {}: started", name);
            Duration backoff = Duration.ofSeconds(1);
            while (!stopping) {
                SourceBatch batch;
                try {
                    batch = source.poll(pollTimeout);
                    healthy = true;
                    metrics.sourceUp.labels(name).set(1);
                    backoff = Duration.ofSeconds(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                } catch (IOException | RuntimeException e) {
                    failed("poll failed", e);
                    sleep(backoff);
                    backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
                    continue;
                }
                Parsed parsed = parse(batch);
                awaitEvaluated(inFlight);
                inFlight = evaluator.submit(() -> {
                    evaluate(parsed);
                    engine.checkpoint(false);
                });
                if (once && batch.caughtUp()) {
                    break;
                }
            }
            awaitEvaluated(inFlight);
            if (once) {
                // End of input: close every window. A daemon being stopped does not: its open windows
                // are incomplete, and closing them would judge (e.g. "fewer than N") on partial data.
                engine.finish(name, dispatcher::dispatch);
            }
            engine.checkpoint(true);
            log.info("source {}: stopped", name);
        } finally {
            evaluator.shutdown();
            try {
                // An interrupted wait above may leave a batch being evaluated: let it finish first.
                while (!evaluator.awaitTermination(10, TimeUnit.SECONDS)) {
                    log.warn("source {}: still evaluating a batch", name);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                source.close();
            } catch (IOException | RuntimeException e) {
                log.warn("source {}: close failed: {}", name, e.toString());
            }
            done.countDown();
        }
    }

    /** Waits for the evaluation of the previous batch; its failure is this thread's failure, as before the split. */
    private void awaitEvaluated(Future<?> evaluation) {
        if (evaluation == null) {
            return;
        }
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    evaluation.get();
                    return;
                } catch (InterruptedException e) {
                    // The batch is past the point of no return; its positions are taken once it ends.
                    interrupted = true;
                    stopping = true;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException re) {
                        throw re;
                    }
                    if (e.getCause() instanceof Error err) {
                        throw err;
                    }
                    throw new IllegalStateException(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A batch's records after parsing, with the positions that hold once they are evaluated. */
    record Parsed(List<FlowRecord> records, List<Position> positions) {
    }

    /** Parses a batch's chunks and counts lines, records and malformed lines. */
    Parsed parse(SourceBatch batch) {
        List<FlowRecord> records = new ArrayList<>(batch.records().size() + 1024);
        records.addAll(batch.records());
        long[] read = {batch.records().size()};
        long[] malformed = {0};
        FlowLogParser.Sink sink = new FlowLogParser.Sink() {
            @Override
            public void record(FlowRecord record) {
                records.add(record);
                read[0]++;
            }

            @Override
            public void malformed(String origin, long lineNumber, String reason) {
                read[0]++;
                malformed[0]++;
                malformedLog.warn("source {}: {}:{}: skipped malformed line: {}", name, origin, lineNumber, reason);
            }
        };
        for (LineChunk chunk : batch.chunks()) {
            parser.parse(chunk, sink);
        }
        metrics.linesRead.labels(name).inc(read[0]);
        metrics.recordsParsed.labels(name).inc(records.size());
        if (malformed[0] > 0) {
            metrics.recordsMalformed.labels(name).inc(malformed[0]);
        }
        return new Parsed(records, batch.positions());
    }

    /** Evaluates parsed records, hands their alerts to the notifiers and takes their positions as done. */
    void evaluate(Parsed parsed) {
        engine.process(name, parsed.records(), parsed.positions(), dispatcher::dispatch);
        if (!parsed.records().isEmpty()) {
            long newest = engine.newestEventTime(name);
            if (newest != Long.MIN_VALUE) {
                metrics.sourceLag.labels(name).set(Math.max(0, clock.millis() / 1000.0 - newest));
            }
        }
    }

    private boolean openWithRetry() {
        Duration backoff = Duration.ofSeconds(1);
        while (!stopping) {
            try {
                source.open(engine.positionsOf(name));
                metrics.sourceUp.labels(name).set(1);
                return true;
            } catch (IOException | RuntimeException e) {
                failed("open failed", e);
                if (once) {
                    return false;
                }
                sleep(backoff);
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
        return false;
    }

    private void failed(String what, Exception e) {
        healthy = false;
        lastError = what + ": " + e;
        metrics.sourceUp.labels(name).set(0);
        metrics.sourceErrors.labels(name).inc();
        log.warn("source {}: {}: {}", name, what, e.toString());
    }

    private void sleep(Duration d) {
        try {
            long end = System.nanoTime() + d.toNanos();
            while (!stopping && System.nanoTime() < end) {
                Thread.sleep(Math.min(100, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping = true;
        }
    }
}
