package io.flowwatch.plugin.rules;

import io.flowwatch.api.PluginMetrics;
import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;
import io.flowwatch.api.rule.Rule;
import io.flowwatch.api.rule.RuleOutput;
import io.flowwatch.api.rule.RuleSpec;
import io.flowwatch.api.rule.Signal;
import io.flowwatch.plugin.rules.predicate.RecordCondition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Fires when a record carries a value of {@code field} never seen before for its {@code group-by}
 * key. For {@code learning-period} of event time from the first record the rule sees, values are
 * only learned. A new value fires at once with the group-by values plus the value as its key, and
 * that key resolves {@code window} of event time later: each new value is one short episode, so
 * notifications do not pile up as firing alerts.
 *
 * <p>The learned values, the learning start and the firing keys are saved under the rule's state
 * directory (at most every {@code save-interval} of event time while something changed, and on
 * {@link #close}), and read back lazily on first use, so creating the rule to validate it does no
 * I/O. A damaged state file is logged and the rule learns again; it never stops the agent.
 *
 * <p>Memory is bounded by {@code max-keys} keys of at most {@code max-values} values each, both
 * least-recently-seen first out (counted). An evicted value that shows up again is new again.
 */
final class NewValueRule implements Rule {

    private static final Logger LOG = LoggerFactory.getLogger(NewValueRule.class);
    static final String STATE_FILE = "new-value.state";
    /** Separates group-by values in a key; a unit separator does not occur in flow-log text. */
    private static final char SEP = '\u001f';

    record Settings(RecordCondition when, List<String> groupBy, String field, long learningSeconds, long windowSeconds,
                    long saveIntervalSeconds, int maxKeys, int maxValues) {
        Settings {
            groupBy = List.copyOf(groupBy);
        }

        String fingerprint() {
            return "field=" + field + " group-by=" + String.join(",", groupBy);
        }
    }

    private final RuleSpec spec;
    private final Settings s;
    private final Supplier<Path> stateDir;
    private final PluginMetrics.Counter keysEvicted;
    private final PluginMetrics.Counter valuesEvicted;
    private final PluginMetrics.Counter saveFailures;
    private final LinkedHashMap<String, LinkedHashMap<String, Long>> learned;
    /** Alert key -> event time it fired; insertion order is firing order. */
    private final LinkedHashMap<Map<String, String>, Long> firing = new LinkedHashMap<>();

    private Path stateFile;
    private boolean loaded;
    private boolean dirty;
    private long learningStart = FlowRecord.ABSENT;
    private long lastSaved = Long.MIN_VALUE;
    private long newestEventTime = Long.MIN_VALUE;
    private FlowFormat cachedFormat;
    private int fieldCol = -1;
    private int[] groupCols = new int[0];
    /** Decimal text of 0..65535, filled on demand: ports and protocols repeat endlessly, so no string per record. */
    private String[] smallNumbers;

    NewValueRule(RuleSpec spec, Settings settings, Supplier<Path> stateDir, PluginMetrics metrics) {
        this.spec = spec;
        this.s = settings;
        this.stateDir = stateDir;
        this.keysEvicted = metrics.counter("rule_keys_evicted_total", "Keys dropped from a rule because max-keys was reached.");
        this.valuesEvicted = metrics.counter("rule_values_evicted_total",
                "Learned values dropped from a new-value rule because max-values was reached for their key.");
        this.saveFailures = metrics.counter("rule_state_save_failures_total", "Failed writes of a rule's state file.");
        this.learned = new LinkedHashMap<>(256, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, LinkedHashMap<String, Long>> eldest) {
                if (size() > s.maxKeys()) {
                    keysEvicted.inc();
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
        ensureLoaded();
        newestEventTime = Math.max(newestEventTime, t);
        if (learningStart == FlowRecord.ABSENT) {
            learningStart = t;
            dirty = true;
        }
        if (!s.when().test(record)) {
            return;
        }
        FlowFormat f = record.format();
        if (f != cachedFormat) {
            fieldCol = f.indexOf(s.field());
            groupCols = new int[s.groupBy().size()];
            for (int i = 0; i < groupCols.length; i++) {
                groupCols[i] = f.indexOf(s.groupBy().get(i));
            }
            cachedFormat = f;
        }
        if (fieldCol < 0 || !record.isPresent(fieldCol)) {
            return;
        }
        String value = text(record, fieldCol);
        String groupKey = groupKey(record);
        LinkedHashMap<String, Long> values = learned.get(groupKey);
        if (values == null) {
            values = valueSet();
            learned.put(groupKey, values);
        } else if (values.get(value) != null) {
            return; // seen before (the lookup also marks it recently used)
        }
        values.put(value, t);
        dirty = true;
        if (t - learningStart < s.learningSeconds()) {
            return;
        }
        fire(record, value, t, out);
    }

    private void fire(FlowRecord record, String value, long t, RuleOutput out) {
        Map<String, String> key = new TreeMap<>();
        StringBuilder who = new StringBuilder();
        for (int i = 0; i < groupCols.length; i++) {
            String v = groupCols[i] < 0 ? null : record.stringAt(groupCols[i]);
            v = v == null ? "-" : v;
            key.put(s.groupBy().get(i), v);
            who.append(i == 0 ? "" : " ").append(v);
        }
        key.put(s.field(), value);
        firing.remove(key);
        firing.put(key, t);
        if (firing.size() > s.maxKeys()) {
            // Resolve the oldest episode early rather than hold unbounded firing keys.
            Iterator<Map.Entry<Map<String, String>, Long>> it = firing.entrySet().iterator();
            Map.Entry<Map<String, String>, Long> eldest = it.next();
            it.remove();
            out.resolved(eldest.getKey(), t);
        }
        String seen = "new " + s.field() + " " + value + " (first seen " + Instant.ofEpochSecond(t) + ")";
        String summary = who.length() == 0 ? seen : who + " talked to " + seen;
        out.firing(new Signal(key, 1, 1, t, t, summary, List.of(record)));
    }

    private String text(FlowRecord record, int col) {
        if (!record.format().isNumeric(col)) {
            return record.stringAt(col);
        }
        long v = record.longAt(col);
        if (v < 0 || v > 0xffff) {
            return record.stringAt(col);
        }
        if (smallNumbers == null) {
            smallNumbers = new String[0x10000];
        }
        String t = smallNumbers[(int) v];
        if (t == null) {
            t = Long.toString(v);
            smallNumbers[(int) v] = t;
        }
        return t;
    }

    private String groupKey(FlowRecord record) {
        if (groupCols.length == 0) {
            return "";
        }
        if (groupCols.length == 1) {
            int col = groupCols[0];
            return col < 0 || !record.isPresent(col) ? "-" : text(record, col);
        }
        StringBuilder sb = new StringBuilder(64);
        for (int i = 0; i < groupCols.length; i++) {
            String v = groupCols[i] < 0 ? null : record.stringAt(groupCols[i]);
            sb.append(i == 0 ? "" : String.valueOf(SEP)).append(v == null ? "-" : v);
        }
        return sb.toString();
    }

    private LinkedHashMap<String, Long> valueSet() {
        return new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
                if (size() > s.maxValues()) {
                    valuesEvicted.inc();
                    return true;
                }
                return false;
            }
        };
    }

    @Override
    public void onWatermark(long watermark, RuleOutput out) {
        ensureLoaded();
        // What input has covered, so end of input (MAX_VALUE) neither invents quiet time nor saves forever after.
        long covered = Math.min(watermark, newestEventTime);
        Iterator<Map.Entry<Map<String, String>, Long>> it = firing.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Map<String, String>, Long> e = it.next();
            long end = e.getValue() + s.windowSeconds();
            if (end <= covered) {
                out.resolved(e.getKey(), end);
                it.remove();
                dirty = true;
            }
        }
        if (dirty && (lastSaved == Long.MIN_VALUE || covered - lastSaved >= s.saveIntervalSeconds())) {
            save();
            lastSaved = covered;
        }
    }

    @Override
    public void close() {
        if (loaded && dirty) {
            save();
        }
    }

    @Override
    public int trackedKeys() {
        return learned.size();
    }

    /** Values learned for a group key (group-by values joined by U+001F), for tests. */
    int learnedValues(String groupKey) {
        Map<String, Long> v = learned.get(groupKey);
        return v == null ? 0 : v.size();
    }

    private void save() {
        if (stateFile == null) {
            return;
        }
        Map<String, Map<String, Long>> keys = new LinkedHashMap<>();
        learned.forEach((k, v) -> keys.put(k, v)); // forEach does not touch the access order
        try {
            new NewValueState(s.fingerprint(), learningStart, keys, firing).write(stateFile);
            dirty = false;
        } catch (IOException | RuntimeException e) {
            saveFailures.inc();
            LOG.warn("rule {}: cannot save state to {}: {}; will retry", spec.name(), stateFile, e.toString());
        }
    }

    private void ensureLoaded() {
        if (loaded) {
            return;
        }
        loaded = true;
        try {
            stateFile = stateDir.get().resolve(STATE_FILE);
        } catch (RuntimeException e) {
            LOG.warn("rule {}: no state directory ({}); learned values will not survive a restart", spec.name(), e.toString());
            return;
        }
        if (!Files.exists(stateFile)) {
            return;
        }
        NewValueState state;
        try {
            state = NewValueState.read(stateFile);
        } catch (IOException | RuntimeException e) {
            LOG.warn("rule {}: state file {} is unreadable ({}); set aside as {}.corrupt, learning again",
                    spec.name(), stateFile, e.getMessage(), stateFile.getFileName());
            try {
                Files.move(stateFile, stateFile.resolveSibling(stateFile.getFileName() + ".corrupt"),
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException | RuntimeException moveFailed) {
                // The next save replaces it anyway.
            }
            return;
        }
        if (!state.fingerprint().equals(s.fingerprint())) {
            LOG.info("rule {}: state file {} was learned for {}, the rule now has {}; learning again",
                    spec.name(), stateFile, state.fingerprint(), s.fingerprint());
            return;
        }
        learningStart = state.learningStart();
        state.keys().forEach((k, values) -> {
            LinkedHashMap<String, Long> set = valueSet();
            set.putAll(values);
            learned.put(k, set);
        });
        firing.putAll(state.firing());
        LOG.info("rule {}: loaded {} keys from {}", spec.name(), learned.size(), stateFile);
    }
}
