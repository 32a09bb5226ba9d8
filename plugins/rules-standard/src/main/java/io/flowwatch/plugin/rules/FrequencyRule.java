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
 * Counts matching records per key in tumbling event-time windows aligned to the epoch. When a
 * window closes, keys at or over the threshold fire; keys that fired in the previous window and
 * are now under it (or absent) resolve (see {@link TumblingWindows}).
 */
final class FrequencyRule implements Rule {

    record Settings(RecordCondition match, List<String> groupBy, long windowSeconds, long threshold, int maxKeys) {
    }

    private static final class Tally extends KeyTable.Entry {
        long count;
        final List<FlowRecord> samples = new ArrayList<>(3);
    }

    private final RuleSpec spec;
    private final Settings s;
    private final FieldColumns groupBy;
    private final TumblingWindows<Tally> windows;

    FrequencyRule(RuleSpec spec, Settings settings, PluginMetrics.Counter evicted) {
        this.spec = spec;
        this.s = settings;
        this.groupBy = new FieldColumns(settings.groupBy(), settings.match());
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
        Tally tally = windows.state(t, record);
        tally.count++;
        if (tally.samples.size() < 3) {
            tally.samples.add(record);
        }
    }

    @Override
    public void onWatermark(long watermark, RuleOutput out) {
        windows.close(watermark, out, (key, tally, start, end) -> tally.count < s.threshold() ? null
                : new Signal(groupBy.labels(key), tally.count, s.threshold(), start, end,
                        summary(key, tally.count), tally.samples));
    }

    @Override
    public void saveState(StateOutput out) throws IOException {
        windows.save(out, TALLY);
    }

    @Override
    public void restoreState(StateInput in) throws IOException {
        windows.restore(in, TALLY);
    }

    private static final TumblingWindows.Codec<Tally> TALLY = new TumblingWindows.Codec<>() {
        @Override
        public void write(Tally t, StateOutput out) throws IOException {
            out.writeLong(t.count);
            out.writeRecords(t.samples);
        }

        @Override
        public Tally read(StateInput in) throws IOException {
            Tally t = new Tally();
            t.count = in.readLong();
            t.samples.addAll(in.readRecords());
            return t;
        }
    };

    @Override
    public int trackedKeys() {
        return windows.trackedKeys();
    }

    private String summary(List<String> key, long count) {
        String who = key.isEmpty() ? "all traffic" : String.join(" ", key);
        return who + " matched " + spec.name() + " " + count + " times in " + FieldColumns.human(s.windowSeconds())
                + " (threshold " + s.threshold() + ")";
    }
}
