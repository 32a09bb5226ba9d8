package io.flowwatch.runtime.alert;

import io.flowwatch.api.notify.Alert;
import io.flowwatch.api.record.FlowRecord;
import io.flowwatch.api.rule.RuleSpec;
import io.flowwatch.api.rule.Signal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The alert lifecycle of one rule, per key: a first {@link Signal} opens an episode and fires;
 * further signals repeat it at most every {@code repeat-interval} of event time; a resolve ends
 * it. Each episode has a stable id (rule + key + start) so receivers can de-duplicate repeats and
 * re-deliveries after a crash. Not thread-safe: used on the evaluator thread.
 */
public final class AlertTracker {

    /** {@code restored}: read back after a restart and not yet confirmed by a new signal from the rule. */
    private record Episode(String id, Instant startsAt, long lastNotified, Signal last, boolean restored) {
    }

    /** What survives a restart of one firing episode (samples do not: they are only for the first notification). */
    public record Saved(Map<String, String> key, String id, long startsAt, long lastNotified, double value, double threshold,
                        long windowStart, long windowEnd, String summary) {
    }

    private final RuleSpec rule;
    private final Duration repeatInterval;
    // Concurrent: the status page reads firing keys from an HTTP thread.
    private final Map<Map<String, String>, Episode> firing = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean changed;

    public AlertTracker(RuleSpec rule, Duration repeatInterval) {
        this.rule = rule;
        this.repeatInterval = repeatInterval;
    }

    /** Returns the alert to send for this signal, or null when it only continues an episode. */
    public Alert onFiring(Signal s) {
        Episode e = firing.get(s.key());
        if (e == null) {
            Instant starts = Instant.ofEpochSecond(s.windowStart());
            e = new Episode(episodeId(rule.name(), s.key(), starts), starts, s.windowEnd(), s, false);
            firing.put(s.key(), e);
            changed = true;
            return alert(e, s, Alert.State.FIRING, null);
        }
        boolean repeat = s.windowEnd() - e.lastNotified() >= repeatInterval.toSeconds();
        e = new Episode(e.id(), e.startsAt(), repeat ? s.windowEnd() : e.lastNotified(), s, false);
        firing.put(s.key(), e);
        changed |= repeat;
        return repeat ? alert(e, s, Alert.State.FIRING, null) : null;
    }

    /** Returns the resolved alert, or null when the key was not firing. */
    public Alert onResolved(Map<String, String> key, long eventTime) {
        Episode e = firing.remove(key);
        if (e == null) {
            return null;
        }
        changed = true;
        return alert(e, e.last(), Alert.State.RESOLVED, Instant.ofEpochSecond(eventTime));
    }

    /**
     * Resolves restored episodes that the rule has not confirmed by the time event time passed one
     * more window after their last signal: the rule lost its own state in the restart and would
     * otherwise never resolve them.
     */
    public List<Alert> expireRestored(long watermark) {
        List<Alert> out = new ArrayList<>();
        for (Map.Entry<Map<String, String>, Episode> en : firing.entrySet()) {
            Episode e = en.getValue();
            Signal s = e.last();
            long window = s.windowEnd() - s.windowStart();
            if (e.restored() && watermark != Long.MAX_VALUE && watermark >= s.windowEnd() + window) {
                Alert a = onResolved(en.getKey(), s.windowEnd() + window);
                if (a != null) {
                    out.add(a);
                }
            }
        }
        return out;
    }

    /** The firing episodes to persist, or null when nothing changed since the last call. */
    public List<Saved> snapshotIfChanged() {
        if (!changed) {
            return null;
        }
        changed = false;
        List<Saved> out = new ArrayList<>();
        for (Map.Entry<Map<String, String>, Episode> en : firing.entrySet()) {
            Episode e = en.getValue();
            Signal s = e.last();
            out.add(new Saved(en.getKey(), e.id(), e.startsAt().getEpochSecond(), e.lastNotified(), s.value(), s.threshold(),
                    s.windowStart(), s.windowEnd(), s.summary()));
        }
        return out;
    }

    /** Marks the state as changed again, after a failed save. */
    public void markChanged() {
        changed = true;
    }

    /** Takes back episodes saved before a restart, so they are not notified again before their repeat interval. */
    public void restore(List<Saved> saved) {
        for (Saved v : saved) {
            Signal s = new Signal(v.key(), v.value(), v.threshold(), v.windowStart(), v.windowEnd(), v.summary(), List.of());
            // putIfAbsent: a tracker kept across a reload already holds its live episodes.
            firing.putIfAbsent(Map.copyOf(v.key()), new Episode(v.id(), Instant.ofEpochSecond(v.startsAt()), v.lastNotified(), s, true));
        }
    }

    public int firingCount() {
        return firing.size();
    }

    /** Keys firing now, for the status page. */
    public List<Map<String, String>> firingKeys() {
        return new ArrayList<>(firing.keySet());
    }

    /**
     * One firing key as the status page shows it.
     *
     * @param since event time the episode began
     * @param value the rule's last measured value for the key
     */
    public record Firing(Map<String, String> key, Instant since, double value, double threshold, String summary) {
    }

    /** The firing episodes now, oldest first; safe to call from any thread (a consistent view per key). */
    public List<Firing> firing() {
        List<Firing> out = new ArrayList<>();
        for (Map.Entry<Map<String, String>, Episode> en : firing.entrySet()) {
            Episode e = en.getValue();
            out.add(new Firing(en.getKey(), e.startsAt(), e.last().value(), e.last().threshold(), e.last().summary()));
        }
        out.sort(java.util.Comparator.comparing(Firing::since));
        return out;
    }

    private Alert alert(Episode e, Signal s, Alert.State state, Instant endsAt) {
        Map<String, String> labels = new TreeMap<>(rule.labels());
        labels.putAll(s.key());
        List<Map<String, Object>> samples = new ArrayList<>();
        for (FlowRecord r : s.samples()) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (int i = 0; i < r.format().size(); i++) {
                m.put(r.format().column(i).name(), r.valueAt(i));
            }
            samples.add(m);
        }
        return new Alert(e.id(), rule.name(), rule.severity(), state, labels, s.value(), s.threshold(),
                e.startsAt(), endsAt, s.summary(), rule.description(), samples);
    }

    static String episodeId(String rule, Map<String, String> key, Instant startsAt) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(rule.getBytes(StandardCharsets.UTF_8));
            for (Map.Entry<String, String> kv : new TreeMap<>(key).entrySet()) {
                md.update((byte) 0);
                md.update(kv.getKey().getBytes(StandardCharsets.UTF_8));
                md.update((byte) '=');
                md.update(String.valueOf(kv.getValue()).getBytes(StandardCharsets.UTF_8));
            }
            md.update((byte) 0);
            md.update(Long.toString(startsAt.getEpochSecond()).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest(), 0, 10);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always present", e);
        }
    }
}
