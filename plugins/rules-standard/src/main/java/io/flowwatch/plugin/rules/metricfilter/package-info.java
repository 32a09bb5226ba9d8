/**
 * {@code type = metric-filter}: a CloudWatch Logs metric filter (record condition → metric value,
 * dimensions from fields) exposed as a Prometheus counter, with an optional alarm that follows
 * CloudWatch's alarm evaluation (period datapoints, M out of N, treat-missing-data, look-back) in
 * event time.
 */
package io.flowwatch.plugin.rules.metricfilter;
