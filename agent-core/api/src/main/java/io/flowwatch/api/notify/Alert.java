package io.flowwatch.api.notify;

import io.flowwatch.api.rule.Severity;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An alert as notifiers receive it; the {@code file} notifier writes exactly these keys as JSON.
 *
 * @param id        stable per rule + key + episode, so receivers can de-duplicate repeats
 * @param state     {@link State#FIRING} or {@link State#RESOLVED}
 * @param labels    the group-by key values plus the rule's configured labels
 * @param startsAt  event time the episode began
 * @param endsAt    event time it resolved; null while firing
 * @param samples   a few contributing records, each as AWS field name to value
 */
public record Alert(String id, String rule, Severity severity, State state, Map<String, String> labels,
                    double value, double threshold, Instant startsAt, Instant endsAt,
                    String summary, String description, List<Map<String, Object>> samples) {

    public enum State {
        FIRING, RESOLVED;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public Alert {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(startsAt, "startsAt");
        labels = Map.copyOf(labels);
        summary = summary == null ? "" : summary;
        description = description == null ? "" : description;
        samples = List.copyOf(samples);
    }
}
