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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compares each key's volume in a tumbling window (the sum of a numeric field such as
 * {@code bytes}, or its record count) with the same key's own average per window over the
 * {@code baseline} windows just before it.
 *
 * <p>When a window closes, a key fires when its volume {@code v} reaches the lower of two bars:
 * <ul>
 *   <li>relative: {@code max(factor × baseline average, min-volume)}, only for a key with a full
 *       baseline, i.e. first seen at least {@code baseline / window} windows before this one (the
 *       average counts quiet windows as 0);</li>
 *   <li>absolute: {@code threshold}, only when set; it applies to every key, with or without
 *       history, and is not raised to {@code min-volume}.</li>
 * </ul>
 * A key without a full baseline and without {@code threshold} never fires. Firing keys resolve as
 * in {@link TumblingWindows}. History per key is a ring of {@code baseline / window} sums kept
 * for at most {@code max-keys} keys (least recently seen dropped, counted); a dropped key starts
 * over without history.
 */
final class SpikeRule implements Rule {

    /**
     * @param sum          the summed field, or null to count records
     * @param baselineWindows {@code baseline / window}
     * @param threshold    the absolute bar, or null when unset
     */
    record Settings(RecordCondition match, List<String> groupBy, String sum, long windowSeconds, int baselineWindows,
                    double factor, long minVolume, Long threshold, int maxKeys) {
    }

    private static final int SAMPLES = 3;

    private static final class Tally extends KeyTable.Entry {
        long sum;
        final List<FlowRecord> samples = new ArrayList<>(SAMPLES);
    }

    /** The last {@code n} window sums of one key, indexed by window number modulo n. */
    private static final class History {
        final long[] sums;
        final long first; // window number the key was first seen in
        long last;         // newest window number the ring covers
        long total;        // sum over the ring

        History(int n, long first) {
            this.sums = new long[n];
            this.first = first;
            this.last = first - 1;
        }

        /** Moves the ring up to window {@code w}, windows in between (quiet ones) counting 0. */
        void advanceTo(long w) {
            if (w <= last) {
                return;
            }
            if (w - last >= sums.length) {
                Arrays.fill(sums, 0);
                total = 0;
            } else {
                for (long j = last + 1; j <= w; j++) {
                    int k = (int) Math.floorMod(j, (long) sums.length);
                    total -= sums[k];
                    sums[k] = 0;
                }
            }
            last = w;
        }

        void record(long w, long v) {
            advanceTo(w);
            sums[(int) Math.floorMod(w, (long) sums.length)] = v;
            total += v;
        }
    }

    private final RuleSpec spec;
    private final Settings s;
    private final FieldColumns groupBy;
    private final FieldColumns sum;
    private final PluginMetrics.Counter evicted;
    private final TumblingWindows<Tally> windows;
    private final LinkedHashMap<List<String>, History> history;

    SpikeRule(RuleSpec spec, Settings settings, PluginMetrics.Counter evicted) {
        this.spec = spec;
        this.s = settings;
        this.evicted = evicted;
        this.groupBy = new FieldColumns(settings.groupBy(), settings.match());
        this.sum = settings.sum() == null ? null : new FieldColumns(List.of(settings.sum()), settings.match());
        this.windows = new TumblingWindows<>(groupBy, settings.windowSeconds(), settings.maxKeys(), evicted, Tally::new);
        this.history = new LinkedHashMap<>(256, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<List<String>, History> eldest) {
                if (size() > s.maxKeys()) {
                    SpikeRule.this.evicted.inc();
                    return true;
                }
                return false;
            }
        };
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
        long v = 1;
        if (sum != null) {
            int col = sum.in(record.format())[0];
            if (col < 0 || !record.format().isNumeric(col) || !record.isPresent(col)) {
                return; // nothing to add: NODATA records, formats without the field
            }
            v = record.longAt(col);
        }
        Tally tally = windows.state(t, record);
        tally.sum += v;
        if (tally.samples.size() < SAMPLES) {
            tally.samples.add(record);
        }
    }

    @Override
    public void onWatermark(long watermark, RuleOutput out) {
        windows.close(watermark, out, this::judge);
    }

    private Signal judge(List<String> key, Tally tally, long start, long end) {
        long w = Math.floorDiv(start, s.windowSeconds());
        History h = history.get(key);
        if (h == null) {
            h = new History(s.baselineWindows(), w);
            history.put(key, h);
        }
        h.advanceTo(w - 1);
        boolean full = w - h.first >= s.baselineWindows();
        double average = (double) h.total / s.baselineWindows();
        h.record(w, tally.sum);

        double relative = full ? Math.max(s.factor() * average, s.minVolume()) : Double.POSITIVE_INFINITY;
        double absolute = s.threshold() == null ? Double.POSITIVE_INFINITY : s.threshold();
        double bar = Math.min(relative, absolute);
        if (tally.sum < bar) {
            return null;
        }
        String summary = relative <= absolute ? relativeSummary(key, tally.sum, average) : absoluteSummary(key, tally.sum);
        return new Signal(groupBy.labels(key), tally.sum, bar, start, end, summary, tally.samples);
    }

    @Override
    public void saveState(StateOutput out) throws IOException {
        out.writeInt(s.baselineWindows());
        out.writeInt(history.size());
        for (Map.Entry<List<String>, History> e : history.entrySet()) { // least recently seen first
            History h = e.getValue();
            out.writeStrings(e.getKey());
            out.writeLong(h.first);
            out.writeLong(h.last);
            out.writeLong(h.total);
            for (long v : h.sums) {
                out.writeLong(v);
            }
        }
        windows.save(out, TALLY);
    }

    @Override
    public void restoreState(StateInput in) throws IOException {
        int n = in.readInt();
        if (n != s.baselineWindows()) {
            throw StateInput.corrupt("baseline of " + n + " windows saved, " + s.baselineWindows() + " configured");
        }
        int keys = in.readCount(Integer.MAX_VALUE);
        // Held aside until the windows are read too: a failure must leave the rule as created.
        List<Map.Entry<List<String>, History>> read = new ArrayList<>(Math.min(keys, 1 << 16));
        for (int i = 0; i < keys; i++) {
            List<String> key = List.copyOf(in.readStrings());
            History h = new History(n, in.readLong());
            h.last = in.readLong();
            h.total = in.readLong();
            for (int j = 0; j < n; j++) {
                h.sums[j] = in.readLong();
            }
            read.add(Map.entry(key, h));
        }
        windows.restore(in, TALLY);
        history.clear();
        read.forEach(e -> history.put(e.getKey(), e.getValue()));
    }

    private static final TumblingWindows.Codec<Tally> TALLY = new TumblingWindows.Codec<>() {
        @Override
        public void write(Tally t, StateOutput out) throws IOException {
            out.writeLong(t.sum);
            out.writeRecords(t.samples);
        }

        @Override
        public Tally read(StateInput in) throws IOException {
            Tally t = new Tally();
            t.sum = in.readLong();
            t.samples.addAll(in.readRecords());
            return t;
        }
    };

    @Override
    public int trackedKeys() {
        return Math.max(history.size(), windows.trackedKeys());
    }

    private String relativeSummary(List<String> key, long v, double average) {
        String base = average == 0 ? "none in the " + FieldColumns.human(baselineSeconds()) + " before"
                : String.format(java.util.Locale.ROOT, "%.1f times its average of %s per %s over %s",
                        v / average, number(average), FieldColumns.human(s.windowSeconds()),
                        FieldColumns.human(baselineSeconds()));
        return who(key) + " reached " + v + " " + unit() + " in " + FieldColumns.human(s.windowSeconds()) + ", "
                + base + " (factor " + number(s.factor()) + ", min-volume " + s.minVolume() + ")";
    }

    private String absoluteSummary(List<String> key, long v) {
        return who(key) + " reached " + v + " " + unit() + " in " + FieldColumns.human(s.windowSeconds())
                + " (threshold " + s.threshold() + ")";
    }

    private long baselineSeconds() {
        return s.windowSeconds() * s.baselineWindows();
    }

    private String unit() {
        return s.sum() == null ? "records" : s.sum();
    }

    private static String who(List<String> key) {
        return key.isEmpty() ? "all traffic" : String.join(" ", key);
    }

    private static String number(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d)
                : String.format(java.util.Locale.ROOT, "%.1f", d);
    }
}
