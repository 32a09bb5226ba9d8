package io.flowwatch.api.rule;

import io.flowwatch.api.record.FlowRecord;

import java.io.IOException;

/**
 * One configured rule. Rules are plain state machines in event time: they never read the wall
 * clock and never start threads, so a replay of stored logs gives the same alerts as a live run.
 *
 * <p><b>Threads.</b> All methods are called from the runtime's single evaluator thread (records
 * of all sources are serialised through it), so a rule needs no locking.
 *
 * <p><b>Lifecycle.</b> Created by {@link RuleTypeFactory#create}, then {@link #onRecord} for each
 * record from the rule's sources in arrival order (which is not event-time order: records may
 * be late up to the agent's {@code allowed-lateness}), interleaved with {@link #onWatermark} when
 * event time advances, then {@link #close}. A reload that leaves a rule's config unchanged keeps
 * the same instance.
 */
public interface Rule {

    /** Looks at one record; may report through {@code out} (e.g. an instant match). */
    void onRecord(FlowRecord record, RuleOutput out);

    /**
     * Event time has advanced: no record with {@code eventTime < watermark} is expected any more.
     * Close windows that end at or before it and report their outcome. With {@code run --once} the
     * last watermark is {@link Long#MAX_VALUE}: close everything.
     */
    void onWatermark(long watermark, RuleOutput out);

    /** Bound on the number of keys the rule tracks, for status output; -1 when not keyed. */
    default int trackedKeys() {
        return -1;
    }

    /**
     * Writes the state this rule keeps in memory (open windows, baselines, which keys fire) so a
     * restart goes on where the last checkpoint left off instead of losing partial windows. The
     * runtime calls it on the evaluator thread when it commits source positions, and stores the
     * state and those positions together: after a crash, the records after the positions are read
     * again into the state as it was. Rules without such state keep the default, which writes
     * nothing. Keep it proportional to the state: it runs every {@code checkpoint-interval}.
     */
    default void saveState(StateOutput out) throws IOException {
    }

    /**
     * Reads back what {@link #saveState} wrote, once, after {@link RuleTypeFactory#create} and
     * before any record; only for state saved by a rule of the same name and definition. Throws
     * {@link IOException} for state it cannot use, and must then leave itself as created (read
     * everything first, then assign): the runtime logs it and the rule starts fresh.
     */
    default void restoreState(StateInput in) throws IOException {
    }

    default void close() {
    }
}
