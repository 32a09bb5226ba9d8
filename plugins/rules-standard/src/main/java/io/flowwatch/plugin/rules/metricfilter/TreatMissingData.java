package io.flowwatch.plugin.rules.metricfilter;

/** CloudWatch's {@code TreatMissingData}: what a period without a datapoint counts as. */
enum TreatMissingData {
    /** AWS's default: missing datapoints are left out; all missing → INSUFFICIENT_DATA. */
    MISSING("missing"),
    /** Missing datapoints count as within the threshold. */
    NOT_BREACHING("notBreaching", "not-breaching"),
    /** Missing datapoints count as breaching. */
    BREACHING("breaching"),
    /** The current state is kept when missing datapoints leave the outcome open. */
    IGNORE("ignore");

    private final String[] names;

    TreatMissingData(String... names) {
        this.names = names;
    }

    static TreatMissingData parse(String s) {
        for (TreatMissingData t : values()) {
            for (String n : t.names) {
                if (n.equals(s)) {
                    return t;
                }
            }
        }
        return null;
    }

    static String allowed() {
        return "missing, notBreaching (not-breaching), breaching, ignore";
    }
}
