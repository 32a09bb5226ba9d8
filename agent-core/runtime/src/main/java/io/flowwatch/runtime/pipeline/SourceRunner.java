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
import io.flowwatch.runtime.state.CheckpointStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The pipeline of one source, on its own thread: poll → parse → evaluate → notify → commit.
 * Positions are committed only after the batch's alerts were handed to the notifiers, so a crash
 * re-reads, never skips. A failing source backs off and retries; it never stops the agent.
 */
public final class SourceRunner implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(SourceRunner.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(60);

    private final String name;
    private final Source source;
    private final FlowLogParser parser;
    private final RuleEngine engine;
    private final NotificationDispatcher dispatcher;
    private final CheckpointStore checkpoints;
    private final AgentMetrics metrics;
    private final Clock clock;
    private final Duration pollTimeout;
    private final Duration checkpointInterval;
    private final boolean once;
    private final RateLimitedLog malformedLog;
    private final CountDownLatch done = new CountDownLatch(1);

    private volatile boolean stopping;
    private volatile boolean healthy = true;
    private volatile String lastError = "";
    private final Map<String, String> positions = new HashMap<>();
    private boolean dirty;
    private long lastSaveMillis;

    public SourceRunner(String name, Source source, FlowFormat format, RuleEngine engine, NotificationDispatcher dispatcher,
                        CheckpointStore checkpoints, AgentMetrics metrics, Clock clock, Duration pollTimeout,
                        Duration checkpointInterval, boolean once) {
        this.name = name;
        this.source = source;
        this.parser = new FlowLogParser(format);
        this.engine = engine;
        this.dispatcher = dispatcher;
        this.checkpoints = checkpoints;
        this.metrics = metrics;
        this.clock = clock;
        this.pollTimeout = pollTimeout;
        this.checkpointInterval = checkpointInterval;
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
        return done.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    @Override
    public void run() {
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
                boolean alerted = process(batch);
                // After alerts, commit at once: a crash then re-reads (and re-alerts) as little as possible.
                maybeSave(batch.caughtUp() || alerted);
                if (once && batch.caughtUp()) {
                    break;
                }
            }
            if (once) {
                // End of input: close every window. A daemon being stopped does not: its open windows
                // are incomplete, and closing them would judge (e.g. "fewer than N") on partial data.
                dispatcher.dispatch(engine.finish(name));
            }
            save();
            log.info("source {}: stopped", name);
        } finally {
            try {
                source.close();
            } catch (IOException | RuntimeException e) {
                log.warn("source {}: close failed: {}", name, e.toString());
            }
            done.countDown();
        }
    }

    /** Parses, evaluates, notifies, then records the batch's positions as committable. True when alerts were raised. */
    boolean process(SourceBatch batch) {
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
        boolean alerted = false;
        if (!records.isEmpty()) {
            List<NotificationDispatcher.Routed> alerts = engine.process(name, records);
            dispatcher.dispatch(alerts);
            alerted = !alerts.isEmpty();
            long newest = engine.newestEventTime(name);
            if (newest != Long.MIN_VALUE) {
                metrics.sourceLag.labels(name).set(Math.max(0, clock.millis() / 1000.0 - newest));
            }
        }
        for (Position p : batch.positions()) {
            if (p.offset() == null) {
                positions.remove(p.partition());
            } else {
                positions.put(p.partition(), p.offset());
            }
            dirty = true;
        }
        return alerted;
    }

    private void maybeSave(boolean caughtUp) {
        if (dirty && (caughtUp || clock.millis() - lastSaveMillis >= checkpointInterval.toMillis())) {
            save();
        }
    }

    private void save() {
        try {
            engine.saveAlertState(); // alerts first: positions past them must not outlive a crash without them
            if (!dirty) {
                return;
            }
            checkpoints.save(name, positions);
            dirty = false;
            lastSaveMillis = clock.millis();
            metrics.checkpointsCommitted.labels(name).inc();
        } catch (IOException e) {
            // Keep going: the positions stay in memory and the next save tries again. Data is re-read, not lost.
            metrics.checkpointFailures.labels(name).inc();
            log.error("source {}: cannot write checkpoint to state-dir: {}", name, e.toString());
        }
    }

    private boolean openWithRetry() {
        Duration backoff = Duration.ofSeconds(1);
        while (!stopping) {
            try {
                Map<String, String> committed = checkpoints.load(name);
                positions.putAll(committed);
                source.open(committed);
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
