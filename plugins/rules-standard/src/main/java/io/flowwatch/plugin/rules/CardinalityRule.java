package io.flowwatch.plugin.rules;

import io.flowwatch.api.PluginMetrics;
import io.flowwatch.api.record.FlowRecord;
import io.flowwatch.api.rule.Rule;
import io.flowwatch.api.rule.RuleOutput;
import io.flowwatch.api.rule.RuleSpec;
import io.flowwatch.api.rule.Signal;
import io.flowwatch.api.rule.StateInput;
import io.flowwatch.api.rule.StateOutput;
import io.flowwatch.plugin.rules.predicate.RecordCondition;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Counts the distinct values of one field per key in tumbling event-time windows (port scans:
 * distinct {@code dstport} per {@code srcaddr}; host sweeps: distinct {@code dstaddr}). When a
 * window closes, keys with at least {@code threshold} distinct values fire; firing keys resolve
 * as in {@link TumblingWindows}.
 *
 * <p>Numeric fields are counted as their {@code long} values, text fields as a 64-bit hash of
 * their characters, both in a {@link DistinctCounter}: exact up to {@code exact-limit} values per
 * key and window, a HyperLogLog estimate beyond. Records without a value of the field add nothing.
 */
final class CardinalityRule implements Rule {

    record Settings(RecordCondition match, List<String> groupBy, String distinct, long windowSeconds,
                    long threshold, int exactLimit, int maxKeys) {
    }

    private static final int SAMPLES = 3;

    private final class Tally extends KeyTable.Entry {
        final DistinctCounter values = new DistinctCounter(s.exactLimit());
        final List<FlowRecord> samples = new ArrayList<>(SAMPLES);
    }

    private final RuleSpec spec;
    private final Settings s;
    private final FieldColumns groupBy;
    private final FieldColumns distinct;
    private final TumblingWindows<Tally> windows;

    CardinalityRule(RuleSpec spec, Settings settings, PluginMetrics.Counter evicted) {
        this.spec = spec;
        this.s = settings;
        this.groupBy = new FieldColumns(settings.groupBy(), settings.match());
        this.distinct = new FieldColumns(List.of(settings.distinct()), settings.match());
        this.windows = new TumblingWindows<>(groupBy, settings.windowSeconds(), settings.maxKeys(), evicted, Tally::new);
    }

    @Override
    public void onRecord(FlowRecord record, RuleOutput out) {
        long t = record.eventTime();
        if (t == FlowRecord.ABSENT) {
            return;
        }
        windows.observe(t);
        if (!s.match().test(record) || windows.isLate(t)) {
            return;
        }
        int col = distinct.in(record.format())[0];
        if (col < 0 || !record.isPresent(col)) {
            return;
        }
        long value = record.format().isNumeric(col)
                ? record.longAt(col) : DistinctCounter.hash(record.stringAt(col));
        Tally tally = windows.state(t, record);
        // Samples are records that brought a new value: they show the spread, not one repeated flow.
        if (tally.values.add(value) && tally.samples.size() < SAMPLES) {
            tally.samples.add(record);
        }
    }

    @Override
    public void onWatermark(long watermark, RuleOutput out) {
        windows.close(watermark, out, (key, tally, start, end) -> {
            long n = tally.values.count();
            return n < s.threshold() ? null : new Signal(groupBy.labels(key), n, s.threshold(), start, end,
                    summary(key, n, tally.values.exact()), tally.samples);
        });
    }

    @Override
    public void saveState(StateOutput out) throws IOException {
        windows.save(out, codec);
    }

    @Override
    public void restoreState(StateInput in) throws IOException {
        windows.restore(in, codec);
    }

    private final TumblingWindows.Codec<Tally> codec = new TumblingWindows.Codec<>() {
        @Override
        public void write(Tally t, StateOutput out) throws IOException {
            t.values.save(out);
            out.writeRecords(t.samples);
        }

        @Override
        public Tally read(StateInput in) throws IOException {
            Tally t = new Tally();
            t.values.restore(in);
            t.samples.addAll(in.readRecords());
            return t;
        }
    };

    @Override
    public int trackedKeys() {
        return windows.trackedKeys();
    }

    private String summary(List<String> key, long n, boolean exact) {
        String who = key.isEmpty() ? "all traffic" : String.join(" ", key);
        return who + " reached " + (exact ? "" : "about ") + n + " distinct " + s.distinct() + " values in "
                + FieldColumns.human(s.windowSeconds()) + " (threshold " + s.threshold() + ")";
    }
}
