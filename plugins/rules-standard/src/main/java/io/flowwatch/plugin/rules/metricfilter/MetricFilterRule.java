package io.flowwatch.plugin.rules.metricfilter;

import io.flowwatch.api.PluginMetrics;
import io.flowwatch.api.record.FlowRecord;
import io.flowwatch.api.rule.Rule;
import io.flowwatch.api.rule.RuleOutput;
import io.flowwatch.api.rule.RuleSpec;
import io.flowwatch.api.rule.Signal;
import io.flowwatch.api.rule.StateInput;
import io.flowwatch.api.rule.StateOutput;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A CloudWatch metric filter and its optional alarm, in event time.
 *
 * <p><b>Metric.</b> Each matching record with a value adds it to the counter
 * {@code flowwatch_rule_<name>_total{rule, <labels>}} at once (negative values are left out: a
 * counter only grows). Label combinations beyond {@code max-keys} evict the least recently seen
 * child.
 *
 * <p><b>Alarm.</b> One alarm per rule over the metric summed across labels. Records fall into
 * tumbling periods aligned to the epoch by event time; a period closes when the watermark passes
 * its end, yielding one datapoint by the statistic (none when it had no valued match, or
 * {@code default-value} when it saw records but no valued match). Every close evaluates the
 * alarm over the last {@link AlarmSpec#evaluationRange()} datapoints ({@link AlarmEvaluation}).
 * Periods before the rule saw its first record count as missing, as they do for a new CloudWatch
 * metric. Entering ALARM fires; leaving ALARM (to OK, or to INSUFFICIENT_DATA) resolves.
 *
 * <p>Periods without any record close when the watermark passes them; at end of input
 * ({@link Long#MAX_VALUE}) only periods up to the newest record seen close, so no missing data is
 * invented for time the input never covered.
 */
final class MetricFilterRule implements Rule {

    private static final long UNSET = Long.MIN_VALUE;
    private static final int SAMPLES = 3;

    /** The samples of one open period. */
    private static final class Period {
        long count;
        double sum;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        final List<FlowRecord> samples = new ArrayList<>(SAMPLES);

        void add(double v, FlowRecord r) {
            count++;
            sum += v;
            min = Math.min(min, v);
            max = Math.max(max, v);
            if (samples.size() < SAMPLES) {
                samples.add(r);
            }
        }
    }

    private final RuleSpec spec;
    private final MetricFilterSettings s;
    private final AlarmSpec a;

    private final PluginMetrics.Family<PluginMetrics.Counter> family;
    private final PluginMetrics.Counter unlabelled;
    private final LinkedHashMap<List<String>, PluginMetrics.Counter> children;
    private final PluginMetrics.Family<PluginMetrics.Gauge> stateGauge;

    private final TreeMap<Long, Period> open = new TreeMap<>();
    private long cachedStart = UNSET;
    /** Start of the period of the last record (arithmetic only: valid forever). */
    private long recentPeriod = UNSET;
    private Period cachedPeriod;
    /** Datapoints of the last closed periods, oldest first, NaN = missing. */
    private final double[] history;
    private List<FlowRecord> lastSamples = List.of();
    private long nextPeriodStart = UNSET;
    private boolean closedAny;
    private int emptyRun;
    private long newestEventTime = Long.MIN_VALUE;
    private AlarmState state = AlarmState.INSUFFICIENT_DATA;

    MetricFilterRule(RuleSpec spec, MetricFilterSettings settings, PluginMetrics metrics) {
        this.spec = spec;
        this.s = settings;
        this.a = settings.alarm();
        this.family = metrics.counterFamily("rule_" + s.metricName() + "_total",
                "Sum of the values of records matching the metric filter (CloudWatch metric " + s.metricName() + ").",
                s.labelNames());
        this.unlabelled = s.labels().isEmpty() ? family.labels(List.of()) : null;
        PluginMetrics.Counter evicted = metrics.counter("rule_keys_evicted_total",
                "Keys dropped by a rule because max-keys was reached.");
        int maxKeys = s.maxKeys();
        this.children = new LinkedHashMap<>(64, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<List<String>, PluginMetrics.Counter> eldest) {
                if (size() > maxKeys) {
                    family.remove(eldest.getKey());
                    evicted.inc();
                    return true;
                }
                return false;
            }
        };
        if (a != null) {
            this.history = new double[a.evaluationRange()];
            Arrays.fill(history, Double.NaN);
            this.stateGauge = metrics.gaugeFamily("rule_alarm_state",
                    "1 for the alarm's current state (OK, ALARM, INSUFFICIENT_DATA), 0 for the others.", List.of("state"));
            exposeState();
        } else {
            this.history = new double[0];
            this.stateGauge = null;
        }
    }

    @Override
    public void onRecord(FlowRecord record, RuleOutput out) {
        double v = s.condition().test(record) ? s.value().of(record) : Double.NaN;
        if (!Double.isNaN(v)) {
            publish(record, v);
        }
        long t = record.eventTime();
        if (a == null || t == FlowRecord.ABSENT) {
            return;
        }
        // Every record shows how far input has covered event time, matching or not.
        newestEventTime = Math.max(newestEventTime, t);
        long start = recentPeriod; // nearly every record falls in the period of the one before: no division then
        if (start == UNSET || t < start || t - start >= a.periodSeconds()) {
            start = t - Math.floorMod(t, a.periodSeconds());
            recentPeriod = start;
        }
        if (closedAny && start < nextPeriodStart) {
            return; // its period was evaluated already: later than allowed-lateness
        }
        if (nextPeriodStart == UNSET || (!closedAny && start < nextPeriodStart)) {
            nextPeriodStart = start;
        }
        if (Double.isNaN(v) && Double.isNaN(s.defaultValue())) {
            return; // without a default value, a period of only non-matching records is simply missing
        }
        Period p = period(start);
        if (!Double.isNaN(v)) {
            p.add(v, record);
        }
    }

    @Override
    public void onWatermark(long watermark, RuleOutput out) {
        if (a == null || nextPeriodStart == UNSET) {
            return;
        }
        boolean endOfInput = watermark == Long.MAX_VALUE;
        long len = a.periodSeconds();
        while (nextPeriodStart + len <= watermark) {
            Period p = open.get(nextPeriodStart);
            if (p == null) {
                if (endOfInput && nextPeriodStart + len > newestEventTime) {
                    break; // input never covered this period: do not invent missing data up to the end of time
                }
                if (emptyRun >= history.length) {
                    // The range is all missing already: more empty periods change nothing, so jump over them.
                    long limit = endOfInput ? newestEventTime : watermark;
                    long to = limit - Math.floorMod(limit, len);
                    if (!open.isEmpty()) {
                        to = Math.min(to, open.firstKey());
                    }
                    if (to > nextPeriodStart) {
                        nextPeriodStart = to;
                        continue;
                    }
                }
            }
            close(nextPeriodStart, p, out);
        }
    }

    @Override
    public int trackedKeys() {
        return s.labels().isEmpty() ? -1 : children.size();
    }

    /**
     * The alarm's open periods, its datapoint history and state. The metric counters are not
     * saved: Prometheus expects a counter to start over when the process does.
     */
    @Override
    public void saveState(StateOutput out) throws IOException {
        if (a == null) {
            return;
        }
        out.writeLong(a.periodSeconds());
        out.writeInt(history.length);
        for (double d : history) {
            out.writeDouble(d);
        }
        out.writeRecords(lastSamples);
        out.writeLong(nextPeriodStart);
        out.writeBoolean(closedAny);
        out.writeInt(emptyRun);
        out.writeLong(newestEventTime);
        out.writeString(state.name());
        out.writeInt(open.size());
        for (Map.Entry<Long, Period> e : open.entrySet()) {
            Period p = e.getValue();
            out.writeLong(e.getKey());
            out.writeLong(p.count);
            out.writeDouble(p.sum);
            out.writeDouble(p.min);
            out.writeDouble(p.max);
            out.writeRecords(p.samples);
        }
    }

    @Override
    public void restoreState(StateInput in) throws IOException {
        if (a == null) {
            return;
        }
        long period = in.readLong();
        int n = in.readInt();
        if (period != a.periodSeconds() || n != history.length) {
            throw StateInput.corrupt("alarm of " + n + " periods of " + period + "s saved, " + history.length + " of "
                    + a.periodSeconds() + "s configured");
        }
        double[] h = new double[n];
        for (int i = 0; i < n; i++) {
            h[i] = in.readDouble();
        }
        List<FlowRecord> samples = in.readRecords();
        long next = in.readLong();
        boolean closed = in.readBoolean();
        int empty = in.readInt();
        long newest = in.readLong();
        AlarmState st;
        try {
            st = AlarmState.valueOf(String.valueOf(in.readString()));
        } catch (IllegalArgumentException e) {
            throw StateInput.corrupt("alarm state: " + e.getMessage());
        }
        int periods = in.readCount(Integer.MAX_VALUE);
        TreeMap<Long, Period> read = new TreeMap<>();
        for (int i = 0; i < periods; i++) {
            long start = in.readLong();
            Period p = new Period();
            p.count = in.readLong();
            p.sum = in.readDouble();
            p.min = in.readDouble();
            p.max = in.readDouble();
            p.samples.addAll(in.readRecords());
            read.put(start, p);
        }
        System.arraycopy(h, 0, history, 0, n);
        lastSamples = samples;
        nextPeriodStart = next;
        closedAny = closed;
        emptyRun = empty;
        newestEventTime = newest;
        state = st;
        open.clear();
        open.putAll(read);
        cachedStart = UNSET;
        cachedPeriod = null;
        exposeState();
    }

    /** The alarm's state, for tests and status. */
    AlarmState state() {
        return state;
    }

    private void publish(FlowRecord record, double v) {
        if (v < 0) {
            return; // a Prometheus counter cannot go down; the alarm still sees the value
        }
        PluginMetrics.Counter c = unlabelled;
        if (c == null) {
            String[] values = new String[s.labels().size()];
            for (int i = 0; i < values.length; i++) {
                int col = s.labels().get(i).column(record);
                String text = col < 0 ? null : record.stringAt(col);
                values[i] = text == null ? "-" : text;
            }
            List<String> key = List.of(values);
            c = children.get(key);
            if (c == null) {
                c = family.labels(key);
                children.put(key, c);
            }
        }
        if (v > 0) {
            c.inc(v);
        }
    }

    private Period period(long start) {
        if (start != cachedStart) {
            cachedPeriod = open.computeIfAbsent(start, k -> new Period());
            cachedStart = start;
        }
        return cachedPeriod;
    }

    private void close(long start, Period p, RuleOutput out) {
        double datapoint = Double.NaN;
        if (p != null) {
            if (p.count > 0) {
                datapoint = a.statistic().of(p.count, p.sum, p.min, p.max);
                lastSamples = p.samples;
            } else if (!Double.isNaN(s.defaultValue())) {
                datapoint = s.defaultValue();
            }
            open.remove(start);
            if (cachedStart == start) {
                cachedStart = UNSET;
                cachedPeriod = null;
            }
        }
        System.arraycopy(history, 1, history, 0, history.length - 1);
        history[history.length - 1] = datapoint;
        emptyRun = Double.isNaN(datapoint) ? emptyRun + 1 : 0;
        nextPeriodStart = start + a.periodSeconds();
        closedAny = true;
        evaluate(nextPeriodStart, out);
    }

    private void evaluate(long end, RuleOutput out) {
        AlarmEvaluation e = AlarmEvaluation.evaluate(a, history, state);
        if (e.state() == state) {
            return;
        }
        AlarmState was = state;
        state = e.state();
        exposeState();
        if (state == AlarmState.ALARM) {
            long windowStart = end - (long) (history.length - e.oldest()) * a.periodSeconds();
            double value = Double.isNaN(e.latest()) ? 0 : e.latest();
            out.firing(new Signal(Map.of(), value, a.threshold(), windowStart, end, summary(e), lastSamples));
        } else if (was == AlarmState.ALARM) {
            out.resolved(Map.of(), end);
        }
    }

    private void exposeState() {
        for (AlarmState st : AlarmState.values()) {
            stateGauge.labels(List.of(st.name())).set(st == state ? 1 : 0);
        }
    }

    /** E.g. {@code ssh_rejects sum 14 >= 10 for 1 of 1 periods of 5m}. */
    private String summary(AlarmEvaluation e) {
        String latest = Double.isNaN(e.latest()) ? "(no data)" : number(e.latest());
        String text = s.metricName() + " " + a.statistic().configName + " " + latest + " " + a.comparison().symbol + " "
                + number(a.threshold()) + " for " + e.breaching() + " of " + e.evaluated() + " periods of "
                + human(a.periodSeconds());
        int real = 0;
        for (double d : history) {
            real += Double.isNaN(d) ? 0 : 1;
        }
        if (real < a.evaluationPeriods() && a.treatMissingData() == TreatMissingData.BREACHING) {
            text += " (missing data treated as breaching)";
        }
        return text;
    }

    static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    static String human(long seconds) {
        if (seconds % 3600 == 0) {
            return seconds / 3600 + "h";
        }
        if (seconds % 60 == 0) {
            return seconds / 60 + "m";
        }
        return seconds + "s";
    }

    @Override
    public String toString() {
        return "metric-filter " + spec.name();
    }
}
