package io.flowwatch.plugin.rules.metricfilter;

/** How a datapoint is compared with the threshold; AWS's ComparisonOperator names or their symbols. */
enum Comparison {
    GREATER_OR_EQUAL("GreaterThanOrEqualToThreshold", ">="),
    GREATER("GreaterThanThreshold", ">"),
    LESS("LessThanThreshold", "<"),
    LESS_OR_EQUAL("LessThanOrEqualToThreshold", "<=");

    final String awsName;
    final String symbol;

    Comparison(String awsName, String symbol) {
        this.awsName = awsName;
        this.symbol = symbol;
    }

    /** Whether {@code value} breaches {@code threshold}. */
    boolean breaches(double value, double threshold) {
        return switch (this) {
            case GREATER_OR_EQUAL -> value >= threshold;
            case GREATER -> value > threshold;
            case LESS -> value < threshold;
            case LESS_OR_EQUAL -> value <= threshold;
        };
    }

    static Comparison parse(String s) {
        for (Comparison c : values()) {
            if (c.awsName.equals(s) || c.symbol.equals(s)) {
                return c;
            }
        }
        return null;
    }

    static String allowed() {
        StringBuilder sb = new StringBuilder();
        for (Comparison c : values()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(c.symbol).append(" (").append(c.awsName).append(')');
        }
        return sb.toString();
    }
}
