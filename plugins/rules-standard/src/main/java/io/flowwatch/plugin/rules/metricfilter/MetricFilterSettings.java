package io.flowwatch.plugin.rules.metricfilter;

import io.flowwatch.plugin.rules.predicate.RecordCondition;

import java.util.List;
import java.util.Objects;

/**
 * A metric-filter rule's checked config.
 *
 * @param metricName   the metric's name part: exposed as {@code flowwatch_rule_<metricName>_total}
 * @param defaultValue published for a period that saw records but no valued match; NaN for none
 * @param labels       the dimension fields, at most 3; {@code labelNames} are their Prometheus names
 * @param maxKeys      most label combinations kept as counter children
 * @param alarm        null when the rule only publishes its metric
 */
record MetricFilterSettings(RecordCondition condition, String metricName, MetricValue value, double defaultValue,
                            List<FieldRef> labels, List<String> labelNames, int maxKeys, AlarmSpec alarm) {
    MetricFilterSettings {
        Objects.requireNonNull(condition, "condition");
        Objects.requireNonNull(metricName, "metricName");
        Objects.requireNonNull(value, "value");
        labels = List.copyOf(labels);
        labelNames = List.copyOf(labelNames);
        if (labels.size() != labelNames.size() || maxKeys < 1) {
            throw new IllegalArgumentException("one label name per label field, and max-keys >= 1");
        }
    }
}
