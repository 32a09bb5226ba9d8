package io.flowwatch.plugin.rules.metricfilter;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static io.flowwatch.plugin.rules.metricfilter.AlarmState.ALARM;
import static io.flowwatch.plugin.rules.metricfilter.AlarmState.INSUFFICIENT_DATA;
import static io.flowwatch.plugin.rules.metricfilter.AlarmState.OK;
import static org.assertj.core.api.Assertions.assertThat;

class AlarmEvaluationTest {

    /** Threshold 10 with >=: X is 20 (breaching), 0 is 0 (not breaching), - is missing. */
    static AlarmSpec spec(int n, int m, TreatMissingData tmd) {
        return new AlarmSpec(Statistic.SUM, 60, n, m, Comparison.GREATER_OR_EQUAL, 10, tmd);
    }

    /** Datapoints oldest first, written as in AWS's docs: "0 - X - X". */
    static double[] range(String points) {
        String[] p = points.trim().split("\\s+");
        double[] d = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            d[i] = switch (p[i]) {
                case "X" -> 20;
                case "0" -> 0;
                case "-" -> Double.NaN;
                default -> throw new IllegalArgumentException(p[i]);
            };
        }
        return d;
    }

    static AlarmState eval(AlarmSpec a, String points, AlarmState current) {
        return AlarmEvaluation.evaluate(a, range(points), current).state();
    }

    /**
     * AWS's table "How alarm state is evaluated when data is missing" (Evaluation Periods 3,
     * Datapoints to Alarm 3, so an evaluation range of 5). RETAIN = the current state is kept.
     */
    @ParameterizedTest(name = "{0}: missing={2} ignore={3} breaching={4} notBreaching={5}")
    @CsvSource(delimiter = '|', textBlock = """
            # data points | missing ones used | MISSING          | IGNORE | BREACHING | NOT BREACHING
            0 - X - X     | 0                 | OK               | OK     | OK        | OK
            - - - - 0     | 2                 | OK               | OK     | OK        | OK
            0 - - - -     | 2                 | OK               | OK     | OK        | OK
            - - - - -     | 3                 | INSUFFICIENT_DATA| RETAIN | ALARM     | OK
            0 X X - X     | 0                 | ALARM            | ALARM  | ALARM     | ALARM
            - - X - -     | 2                 | ALARM            | RETAIN | ALARM     | OK
            """)
    void followsAwsMissingDataTableForThreeOutOfThree(String points, int missingUsed, String missing, String ignore,
                                                       String breaching, String notBreaching) {
        for (AlarmState current : AlarmState.values()) {
            assertThat(eval(spec(3, 3, TreatMissingData.MISSING), points, current)).as("missing").isEqualTo(AlarmState.valueOf(missing));
            assertThat(eval(spec(3, 3, TreatMissingData.IGNORE), points, current)).as("ignore from " + current)
                    .isEqualTo(ignore.equals("RETAIN") ? current : AlarmState.valueOf(ignore));
            assertThat(eval(spec(3, 3, TreatMissingData.BREACHING), points, current)).as("breaching").isEqualTo(AlarmState.valueOf(breaching));
            assertThat(eval(spec(3, 3, TreatMissingData.NOT_BREACHING), points, current)).as("notBreaching")
                    .isEqualTo(AlarmState.valueOf(notBreaching));
        }
        long real = range(points).length - java.util.Arrays.stream(range(points)).filter(Double::isNaN).count();
        assertThat(Math.max(0, 3 - real)).as("missing datapoints filled in").isEqualTo(missingUsed);
    }

    @Test
    void withEnoughRealDatapointsOnlyTheNewestNCountAndMissingOnesDoNotMatter() {
        // Four real datapoints in the range: the newest three are X X X even though the oldest is 0.
        for (TreatMissingData tmd : TreatMissingData.values()) {
            AlarmEvaluation e = AlarmEvaluation.evaluate(spec(3, 3, tmd), range("0 X X - X"), OK);
            assertThat(e.state()).isEqualTo(ALARM);
            assertThat(e.breaching()).isEqualTo(3);
            assertThat(e.oldest()).isEqualTo(1);
        }
    }

    @ParameterizedTest(name = "{0} of 3, {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            1 | 0 0 0 0 X | ALARM
            1 | X X 0 0 0 | OK
            2 | 0 0 X 0 X | ALARM
            2 | 0 X X 0 0 | OK
            2 | X X 0 X 0 | OK
            3 | 0 0 X X X | ALARM
            3 | 0 0 X 0 X | OK
            """)
    void needsMBreachingDatapointsAmongTheNewestN(int m, String points, AlarmState expected) {
        assertThat(eval(spec(3, m, TreatMissingData.MISSING), points, INSUFFICIENT_DATA)).isEqualTo(expected);
    }

    @Test
    void missingDatapointsAreFilledOnlyUpToN() {
        // 2 of 3 with breaching: one real 0 and two filled breaching ones alarm...
        assertThat(eval(spec(3, 2, TreatMissingData.BREACHING), "- - - - 0", OK)).isEqualTo(ALARM);
        // ...but 3 of 3 does not, since the real 0 is always part of the window.
        assertThat(eval(spec(3, 3, TreatMissingData.BREACHING), "- - - - 0", OK)).isEqualTo(OK);
        // ignore: one breaching real datapoint in a 2-of-3 alarm leaves the outcome open, so the state stays.
        assertThat(eval(spec(3, 2, TreatMissingData.IGNORE), "- - - - X", OK)).isEqualTo(OK);
        assertThat(eval(spec(3, 2, TreatMissingData.IGNORE), "- - X - X", OK)).isEqualTo(ALARM);
    }

    @Test
    void comparisonsFollowTheirAwsMeaning() {
        assertThat(Comparison.GREATER_OR_EQUAL.breaches(10, 10)).isTrue();
        assertThat(Comparison.GREATER.breaches(10, 10)).isFalse();
        assertThat(Comparison.GREATER.breaches(10.5, 10)).isTrue();
        assertThat(Comparison.LESS.breaches(10, 10)).isFalse();
        assertThat(Comparison.LESS.breaches(9, 10)).isTrue();
        assertThat(Comparison.LESS_OR_EQUAL.breaches(10, 10)).isTrue();
        assertThat(Comparison.parse("GreaterThanOrEqualToThreshold")).isEqualTo(Comparison.GREATER_OR_EQUAL);
        assertThat(Comparison.parse("<=")).isEqualTo(Comparison.LESS_OR_EQUAL);
        assertThat(Comparison.parse("=>")).isNull();
    }

    @Test
    void statisticsComputeTheirDatapoint() {
        // samples 10, 20, 60
        assertThat(Statistic.SUM.of(3, 90, 10, 60)).isEqualTo(90);
        assertThat(Statistic.AVERAGE.of(3, 90, 10, 60)).isEqualTo(30);
        assertThat(Statistic.MINIMUM.of(3, 90, 10, 60)).isEqualTo(10);
        assertThat(Statistic.MAXIMUM.of(3, 90, 10, 60)).isEqualTo(60);
        assertThat(Statistic.SAMPLE_COUNT.of(3, 90, 10, 60)).isEqualTo(3);
        assertThat(Statistic.parse("SampleCount")).isEqualTo(Statistic.SAMPLE_COUNT);
        assertThat(Statistic.parse("sample-count")).isEqualTo(Statistic.SAMPLE_COUNT);
        assertThat(Statistic.parse("p99")).isNull();
    }
}
