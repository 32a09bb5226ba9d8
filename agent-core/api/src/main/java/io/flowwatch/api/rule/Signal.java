package io.flowwatch.api.rule;

import io.flowwatch.api.record.FlowRecord;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A rule's finding for one key at one point of event time: "this key breaches" (the runtime
 * turns the first into a firing alert and later ones into repeats) or, via
 * {@link RuleOutput#resolved}, "it no longer does".
 *
 * @param key        the group-by values identifying what breached (bounded by the rule's max-keys)
 * @param value      the measured value (count, distinct count, sum ...)
 * @param threshold  what it was compared against
 * @param windowStart epoch seconds, inclusive
 * @param windowEnd  epoch seconds, exclusive: the event time the signal is about
 * @param summary    one human sentence, e.g. "185.220.101.7 made 412 rejected SSH attempts ..."
 * @param samples    a few records that contributed (at most 5 are kept)
 */
public record Signal(Map<String, String> key, double value, double threshold, long windowStart, long windowEnd,
                     String summary, List<FlowRecord> samples) {
    public Signal {
        key = Map.copyOf(key);
        Objects.requireNonNull(summary, "summary");
        samples = samples.size() > 5 ? List.copyOf(samples.subList(0, 5)) : List.copyOf(samples);
    }
}
