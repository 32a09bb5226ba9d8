package io.flowwatch.plugin.rules;

import io.flowwatch.api.PluginMetrics;
import io.flowwatch.api.record.FlowRecord;
import io.flowwatch.api.rule.Rule;
import io.flowwatch.api.rule.RuleOutput;
import io.flowwatch.api.rule.RuleSpec;
import io.flowwatch.api.rule.Signal;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import io.flowwatch.plugin.rules.predicate.RecordCondition;

/**
 * Counts matching records per key in tumbling event-time windows aligned to the epoch. When a
 * window closes, keys at or over the threshold fire; keys that fired in the previous window and
 * are now under it (or absent) resolve.
 */
final class FrequencyRule implements Rule {

    record Settings(RecordCondition match, List<String> groupBy, long windowSeconds, long threshold, int maxKeys) {
    }

    private static final class Tally {
        long count;
        final List<FlowRecord> samples = new ArrayList<>(3);
    }

    private final RuleSpec spec;
    private final Settings s;
    private final PluginMetrics.Counter evicted;
    private final TreeMap<Long, LinkedHashMap<Map<String, String>, Tally>> windows = new TreeMap<>();
    private Set<Map<String, String>> firing = Set.of();
    private long lastClosedEnd = Long.MIN_VALUE;
    private long newestEventTime = Long.MIN_VALUE;

    FrequencyRule(RuleSpec spec, Settings settings, PluginMetrics.Counter evicted) {
        this.spec = spec;
        this.s = settings;
        this.evicted = evicted;
    }

    @Override
    public void onRecord(FlowRecord record, RuleOutput out) {
        long t = record.eventTime();
        if (t == FlowRecord.ABSENT) {
            return;
        }
        // Every record, matching or not, shows how far input has covered event time; quiet windows resolve by it.
        newestEventTime = Math.max(newestEventTime, t);
        if (!s.match().test(record)) {
            return;
        }
        long start = t - Math.floorMod(t, s.windowSeconds());
        if (start + s.windowSeconds() <= lastClosedEnd) {
            return; // its window is already closed: later than allowed-lateness
        }
        LinkedHashMap<Map<String, String>, Tally> keys = windows.computeIfAbsent(start, k -> lruMap());
        Tally tally = keys.computeIfAbsent(keyOf(record), k -> new Tally());
        tally.count++;
        if (tally.samples.size() < 3) {
            tally.samples.add(record);
        }
    }

    @Override
    public void onWatermark(long watermark, RuleOutput out) {
        Iterator<Map.Entry<Long, LinkedHashMap<Map<String, String>, Tally>>> it = windows.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Long, LinkedHashMap<Map<String, String>, Tally>> w = it.next();
            long start = w.getKey();
            long end = start + s.windowSeconds();
            if (end > watermark) {
                break;
            }
            if (!firing.isEmpty() && lastClosedEnd != Long.MIN_VALUE && start > lastClosedEnd) {
                // An empty window lay between: nothing breached in it.
                resolveAll(out, lastClosedEnd + s.windowSeconds());
            }
            Set<Map<String, String>> breached = new java.util.HashSet<>();
            for (Map.Entry<Map<String, String>, Tally> e : w.getValue().entrySet()) {
                if (e.getValue().count >= s.threshold()) {
                    breached.add(e.getKey());
                    out.firing(new Signal(e.getKey(), e.getValue().count, s.threshold(), start, end,
                            summary(e.getKey(), e.getValue().count), e.getValue().samples));
                }
            }
            for (Map<String, String> k : firing) {
                if (!breached.contains(k)) {
                    out.resolved(k, end);
                }
            }
            firing = breached;
            lastClosedEnd = end;
            it.remove();
        }
        // Windows with no records at all after the last closed one resolve once event time has passed them.
        // At end of input (MAX) only as far as the input actually reached: no resolves are invented.
        long covered = watermark == Long.MAX_VALUE ? newestEventTime : watermark;
        if (!firing.isEmpty() && lastClosedEnd != Long.MIN_VALUE && lastClosedEnd + s.windowSeconds() <= covered) {
            resolveAll(out, lastClosedEnd + s.windowSeconds());
            lastClosedEnd += s.windowSeconds();
        }
    }

    @Override
    public int trackedKeys() {
        int n = 0;
        for (Map<?, ?> m : windows.values()) {
            n += m.size();
        }
        return n;
    }

    private void resolveAll(RuleOutput out, long at) {
        for (Map<String, String> k : firing) {
            out.resolved(k, at);
        }
        firing = Set.of();
    }

    private Map<String, String> keyOf(FlowRecord r) {
        if (s.groupBy().isEmpty()) {
            return Map.of();
        }
        Map<String, String> key = new TreeMap<>();
        for (String f : s.groupBy()) {
            Object v = r.get(f);
            key.put(f, v == null ? "-" : v.toString());
        }
        return key;
    }

    private String summary(Map<String, String> key, long count) {
        String who = key.isEmpty() ? "all traffic" : String.join(" ", key.values());
        return who + " matched " + spec.name() + " " + count + " times in " + human(s.windowSeconds())
                + " (threshold " + s.threshold() + ")";
    }

    private static String human(long seconds) {
        if (seconds % 3600 == 0) {
            return seconds / 3600 + "h";
        }
        if (seconds % 60 == 0) {
            return seconds / 60 + "m";
        }
        return seconds + "s";
    }

    private LinkedHashMap<Map<String, String>, Tally> lruMap() {
        return new LinkedHashMap<>(256, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Map<String, String>, Tally> eldest) {
                if (size() > s.maxKeys()) {
                    evicted.inc();
                    return true;
                }
                return false;
            }
        };
    }
}
