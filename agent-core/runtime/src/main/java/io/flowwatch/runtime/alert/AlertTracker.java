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

    private record Episode(String id, Instant startsAt, long lastNotified, Signal last) {
    }

    private final RuleSpec rule;
    private final Duration repeatInterval;
    // Concurrent: the status page reads firing keys from an HTTP thread.
    private final Map<Map<String, String>, Episode> firing = new java.util.concurrent.ConcurrentHashMap<>();

    public AlertTracker(RuleSpec rule, Duration repeatInterval) {
        this.rule = rule;
        this.repeatInterval = repeatInterval;
    }

    /** Returns the alert to send for this signal, or null when it only continues an episode. */
    public Alert onFiring(Signal s) {
        Episode e = firing.get(s.key());
        if (e == null) {
            Instant starts = Instant.ofEpochSecond(s.windowStart());
            e = new Episode(episodeId(rule.name(), s.key(), starts), starts, s.windowEnd(), s);
            firing.put(s.key(), e);
            return alert(e, s, Alert.State.FIRING, null);
        }
        boolean repeat = s.windowEnd() - e.lastNotified() >= repeatInterval.toSeconds();
        e = new Episode(e.id(), e.startsAt(), repeat ? s.windowEnd() : e.lastNotified(), s);
        firing.put(s.key(), e);
        return repeat ? alert(e, s, Alert.State.FIRING, null) : null;
    }

    /** Returns the resolved alert, or null when the key was not firing. */
    public Alert onResolved(Map<String, String> key, long eventTime) {
        Episode e = firing.remove(key);
        if (e == null) {
            return null;
        }
        return alert(e, e.last(), Alert.State.RESOLVED, Instant.ofEpochSecond(eventTime));
    }

    public int firingCount() {
        return firing.size();
    }

    /** Keys firing now, for the status page. */
    public List<Map<String, String>> firingKeys() {
        return new ArrayList<>(firing.keySet());
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
