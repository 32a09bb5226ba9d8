package io.flowwatch.plugin.rules.metricfilter;

/**
 * The {@code alarm} block of a metric-filter rule, checked.
 *
 * @param periodSeconds     datapoint length: 10, 20, 30 or a multiple of 60 (as CloudWatch)
 * @param evaluationPeriods N, the most recent datapoints evaluated
 * @param datapointsToAlarm M, how many of them must breach for ALARM ({@code 1 <= M <= N})
 */
record AlarmSpec(Statistic statistic, long periodSeconds, int evaluationPeriods, int datapointsToAlarm,
                 Comparison comparison, double threshold, TreatMissingData treatMissingData) {

    /**
     * Periods CloudWatch looks back beyond {@code evaluation-periods} when datapoints are missing.
     * AWS documents the evaluation range only by example (3 evaluation periods → a range of 5
     * datapoints); we use that N + 2 for every alarm.
     */
    static final int LOOK_BACK_PERIODS = 2;

    AlarmSpec {
        if (periodSeconds < 1 || evaluationPeriods < 1 || datapointsToAlarm < 1 || datapointsToAlarm > evaluationPeriods) {
            throw new IllegalArgumentException("need period >= 1s and 1 <= datapoints-to-alarm <= evaluation-periods");
        }
    }

    /** Datapoints in the evaluation range: N plus the look-back. */
    int evaluationRange() {
        return evaluationPeriods + LOOK_BACK_PERIODS;
    }

    boolean breaches(double datapoint) {
        return comparison.breaches(datapoint, threshold);
    }
}
