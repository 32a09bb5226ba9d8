package io.flowwatch.plugin.rules.metricfilter;

/** A CloudWatch alarm's states; an alarm starts in {@link #INSUFFICIENT_DATA}. */
enum AlarmState {
    OK, ALARM, INSUFFICIENT_DATA
}
