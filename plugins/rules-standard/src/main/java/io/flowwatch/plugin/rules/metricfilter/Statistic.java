package io.flowwatch.plugin.rules.metricfilter;

/** How a period's samples become its one datapoint, as CloudWatch's statistics. */
enum Statistic {
    SUM("sum", "Sum"),
    AVERAGE("average", "Average"),
    MINIMUM("minimum", "Minimum"),
    MAXIMUM("maximum", "Maximum"),
    SAMPLE_COUNT("sample-count", "SampleCount");

    final String configName;
    final String awsName;

    Statistic(String configName, String awsName) {
        this.configName = configName;
        this.awsName = awsName;
    }

    /** The datapoint of a period with {@code count > 0} samples. */
    double of(long count, double sum, double min, double max) {
        return switch (this) {
            case SUM -> sum;
            case AVERAGE -> sum / count;
            case MINIMUM -> min;
            case MAXIMUM -> max;
            case SAMPLE_COUNT -> count;
        };
    }

    /** Accepts the config name ({@code sample-count}) and AWS's ({@code SampleCount}); null when neither. */
    static Statistic parse(String s) {
        for (Statistic st : values()) {
            if (st.configName.equals(s) || st.awsName.equals(s)) {
                return st;
            }
        }
        return null;
    }

    static String allowed() {
        StringBuilder sb = new StringBuilder();
        for (Statistic st : values()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(st.configName).append(" (").append(st.awsName).append(')');
        }
        return sb.toString();
    }
}
