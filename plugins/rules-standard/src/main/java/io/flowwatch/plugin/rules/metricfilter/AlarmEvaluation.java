package io.flowwatch.plugin.rules.metricfilter;

/**
 * One evaluation of a CloudWatch alarm over its evaluation range, following AWS's "How alarm
 * state is evaluated when data is missing":
 * <ul>
 *   <li>At least N real datapoints in the range: the newest N of them decide (M breaching →
 *       ALARM, else OK); older ones and treat-missing-data play no part.</li>
 *   <li>Fewer than N: every real datapoint in the range counts, and the {@code N - real} missing
 *       ones are filled in by treat-missing-data:
 *     <ul>
 *       <li>{@code notBreaching}: as within the threshold; {@code breaching}: as breaching.</li>
 *       <li>{@code missing}: left out. No real datapoint → INSUFFICIENT_DATA; otherwise the real
 *           ones decide, needing {@code min(M, real)} breaching ones (AWS's table: one breaching
 *           datapoint among four missing alarms a 3-of-3 alarm).</li>
 *       <li>{@code ignore}: left out. When treating them as breaching and as not breaching gives
 *           the same state, that state; otherwise (including all missing) the current one is
 *           kept (AWS's table: {@code - - X - -} keeps the state, {@code - - - - 0} is OK).</li>
 *     </ul>
 *   </li>
 * </ul>
 *
 * @param state     the state the evaluation arrives at
 * @param breaching breaching datapoints counted (filled ones included)
 * @param evaluated datapoints counted: N, or the real ones for {@code missing}/{@code ignore}
 * @param oldest    index in the range of the oldest datapoint that counted (for the signal's window)
 * @param latest    the newest real datapoint that counted, NaN when none did
 */
record AlarmEvaluation(AlarmState state, int breaching, int evaluated, int oldest, double latest) {

    /**
     * @param range datapoints oldest first, {@link Double#NaN} for a missing one; at most
     *              {@link AlarmSpec#evaluationRange()} long (shorter means missing before it)
     */
    static AlarmEvaluation evaluate(AlarmSpec a, double[] range, AlarmState current) {
        int n = a.evaluationPeriods();
        int m = a.datapointsToAlarm();
        int real = 0;
        int realBreaching = 0;
        double latest = Double.NaN;
        int oldestReal = range.length;
        for (int i = range.length - 1; i >= 0; i--) {
            double v = range[i];
            if (Double.isNaN(v)) {
                continue;
            }
            if (real == n) {
                break; // enough real datapoints: older ones do not matter
            }
            if (real == 0) {
                latest = v;
            }
            real++;
            oldestReal = i;
            if (a.breaches(v)) {
                realBreaching++;
            }
        }
        if (real == n) {
            return new AlarmEvaluation(realBreaching >= m ? AlarmState.ALARM : AlarmState.OK, realBreaching, n, oldestReal, latest);
        }
        int filled = n - real;
        // With filled datapoints the window is the last N periods, or further back to the oldest real one.
        int oldest = Math.max(0, Math.min(oldestReal, range.length - n));
        return switch (a.treatMissingData()) {
            case NOT_BREACHING -> new AlarmEvaluation(state(realBreaching >= m), realBreaching, n, oldest, latest);
            case BREACHING -> new AlarmEvaluation(state(realBreaching + filled >= m), realBreaching + filled, n, oldest, latest);
            case MISSING -> real == 0
                    ? new AlarmEvaluation(AlarmState.INSUFFICIENT_DATA, 0, 0, oldest, latest)
                    : new AlarmEvaluation(state(realBreaching >= Math.min(m, real)), realBreaching, real, oldest, latest);
            case IGNORE -> {
                boolean low = realBreaching >= m;
                boolean high = realBreaching + filled >= m;
                AlarmState s = real > 0 && low == high ? state(low) : current;
                yield new AlarmEvaluation(s, realBreaching, real, oldest, latest);
            }
        };
    }

    private static AlarmState state(boolean alarm) {
        return alarm ? AlarmState.ALARM : AlarmState.OK;
    }
}
