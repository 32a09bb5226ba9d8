package io.flowwatch.runtime.pipeline;

import io.flowwatch.api.rule.StateInput;
import io.flowwatch.api.rule.StateOutput;
import io.flowwatch.runtime.metrics.AgentMetrics;
import io.flowwatch.runtime.state.CheckpointStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Takes checkpoints for the {@link RuleEngine}: source positions and rule state together, at most
 * every {@code checkpoint-interval}, and never spending more than about a tenth of the time
 * writing them (a rule holding a million keys takes a while to save: checkpoints then space out
 * instead of stalling the pipeline). Called only under the engine's lock.
 */
public final class Checkpointer {

    private static final Logger log = LoggerFactory.getLogger(Checkpointer.class);

    private final CheckpointStore store;
    private final Duration interval;
    private final Clock clock;
    private final AgentMetrics metrics;
    private CheckpointStore.Manifest last;
    private long lastCommitMillis;
    private long lastCostMillis;

    /** Reads the last checkpoint; throws when it cannot be read (the agent then refuses to start). */
    public Checkpointer(CheckpointStore store, Duration interval, Clock clock, AgentMetrics metrics) throws IOException {
        this.store = store;
        this.interval = interval;
        this.clock = clock;
        this.metrics = metrics;
        this.last = store.load();
        this.lastCommitMillis = clock.millis();
    }

    /** The checkpoint the agent started from (or the last one committed). */
    CheckpointStore.Manifest last() {
        return last;
    }

    /**
     * Gives each rule the state the last checkpoint holds for it, when it was saved by the same
     * rule definition. A rule whose state cannot be read starts fresh, with an error logged: its
     * open windows are lost, nothing else is.
     *
     * @return the number of rules restored
     */
    public int restore(Collection<BoundRule> rules) {
        int restored = 0;
        for (BoundRule b : rules) {
            String name = b.config().name();
            CheckpointStore.RuleEntry saved = last.rules().get(name);
            if (saved == null) {
                continue;
            }
            if (!saved.definition().equals(b.config().stateKey())) {
                log.info("rule {}: its definition changed since the last checkpoint; it starts without the saved windows", name);
                continue;
            }
            try (InputStream in = store.openRuleState(last, name)) {
                if (in == null) {
                    continue;
                }
                b.rule().restoreState(new StateInput(in));
                restored++;
            } catch (IOException | RuntimeException e) {
                metrics.ruleStateRestoreFailures.labels(name).inc();
                log.error("rule {}: cannot restore its state from {}: {}; it starts fresh (open windows are lost)",
                        name, store.directory(), e.getMessage());
            }
        }
        if (restored > 0) {
            log.info("rules: {} rule(s) went on from the checkpoint of generation {}", restored, last.generation());
        }
        return restored;
    }

    /** True when a checkpoint should be taken now. */
    boolean due() {
        long since = clock.millis() - lastCommitMillis;
        return since >= Math.max(interval.toMillis(), 10 * lastCostMillis);
    }

    /**
     * Writes a checkpoint. {@code withRuleState} is false at the end of {@code run --once}: every
     * window was closed by the end of input, and state closed "at the end of time" must not
     * carry into the next run.
     */
    void commit(Long watermark, Map<String, Map<String, String>> positions, List<BoundRule> rules, boolean withRuleState)
            throws IOException {
        long begin = System.nanoTime();
        Map<String, Map.Entry<String, CheckpointStore.StateWriter>> writers = new LinkedHashMap<>();
        if (withRuleState) {
            for (BoundRule b : rules) {
                String name = b.config().name();
                writers.put(name, Map.entry(b.config().stateKey(), out -> {
                    StateOutput so = new StateOutput(out);
                    try {
                        b.rule().saveState(so);
                    } catch (RuntimeException e) {
                        // A rule bug costs that rule's windows after a crash, not every checkpoint.
                        metrics.ruleStateSaveFailures.labels(name).inc();
                        log.error("rule {}: cannot save its state: {}; the checkpoint goes on without it", name, e.toString());
                        throw new CheckpointStore.SkipRule(name, e);
                    }
                    so.flush();
                }));
            }
        }
        last = store.commit(last, watermark, positions, writers);
        lastCommitMillis = clock.millis();
        lastCostMillis = (System.nanoTime() - begin) / 1_000_000;
        metrics.checkpointDuration.set(lastCostMillis / 1000.0);
    }
}
