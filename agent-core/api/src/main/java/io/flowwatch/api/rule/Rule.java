package io.flowwatch.api.rule;

import io.flowwatch.api.record.FlowRecord;

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

    default void close() {
    }
}
