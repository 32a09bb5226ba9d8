package io.flowwatch.plugin.athena;

import com.typesafe.config.Config;
import io.flowwatch.api.config.ConfigReader;
import io.flowwatch.plugin.aws.AwsClientSettings;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An {@code athena} query engine's settings; the keys are documented in this plugin's
 * {@code reference.conf}.
 *
 * @param database        the Glue/Athena database of the table (QueryExecutionContext.Database)
 * @param table           the table over the flow logs, which queries call {@code flow_logs}
 * @param workgroup       the workgroup queries run in
 * @param outputLocation  the S3 URI for results, or null to use the workgroup's
 * @param resultReuse     the oldest earlier result Athena may reuse, or zero for no reuse
 * @param pollInitial     the first wait between GetQueryExecution calls (doubling after each)
 * @param pollMax         the longest wait between GetQueryExecution calls
 * @param timeout         how long a query may take to finish before it is stopped
 * @param maxBytesScanned a query that scans more is stopped and fails; 0 for no limit
 * @param rowLimit        the most rows any query returns (the caller's limit may be lower)
 * @param aws             region, credentials, endpoint override, API timeout (aws-common)
 */
public record AthenaQueryEngineConfig(String database, String table, String workgroup, String outputLocation,
                                      Duration resultReuse, Duration pollInitial, Duration pollMax, Duration timeout,
                                      long maxBytesScanned, long rowLimit, AwsClientSettings aws) {

    // Athena/Glue names: letters, digits, underscore (Glue also allows hyphens); we quote them, so no
    // other character may appear (a '"' in a name could end the quoted identifier).
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_-]{0,254}");
    // WorkGroupName in the Athena API model: [a-zA-Z0-9._-]{1,128}.
    private static final Pattern WORKGROUP = Pattern.compile("[a-zA-Z0-9._-]{1,128}");
    private static final Pattern S3_URI = Pattern.compile("s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?");
    /** ResultReuseByAgeConfiguration.MaxAgeInMinutes may be at most 10080 (7 days). */
    static final Duration MAX_RESULT_REUSE = Duration.ofDays(7);

    public AthenaQueryEngineConfig {
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(workgroup, "workgroup");
        Objects.requireNonNull(aws, "aws");
        if (!NAME.matcher(database).matches() || !NAME.matcher(table).matches() || !WORKGROUP.matcher(workgroup).matches()) {
            throw new IllegalArgumentException("bad database, table or workgroup name");
        }
        if (pollInitial.isZero() || pollInitial.isNegative() || pollMax.compareTo(pollInitial) < 0) {
            throw new IllegalArgumentException("poll-initial must be more than zero and at most poll-max");
        }
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must be more than zero");
        }
        if (resultReuse.isNegative() || resultReuse.compareTo(MAX_RESULT_REUSE) > 0) {
            throw new IllegalArgumentException("result-reuse must be from 0 to 7d");
        }
        if (maxBytesScanned < 0 || rowLimit < 1) {
            throw new IllegalArgumentException("max-bytes-scanned must not be negative and row-limit must be at least 1");
        }
    }

    /** The table as a quoted, qualified identifier: {@code "database"."table"}. */
    public String tableRef() {
        return '"' + database + "\".\"" + table + '"';
    }

    /**
     * Reads and checks an engine block (reference defaults already applied), reporting every
     * problem at once.
     *
     * @param where the block's full path for messages, e.g. {@code flowwatch.query-engines.athena}
     * @throws io.flowwatch.api.FlowwatchException listing every problem found
     */
    public static AthenaQueryEngineConfig read(Config config, String where) {
        ConfigReader r = new ConfigReader(config, where);
        String database = name(r, "database", NAME, "a database name of letters, digits, _ and - such as default");
        String table = name(r, "table", NAME, "a table name of letters, digits, _ and - such as vpc_flow_logs");
        String workgroup = name(r, "workgroup", WORKGROUP, "a workgroup name of letters, digits, . _ and - such as primary");
        String output = r.optionalString("output-location");
        if (output != null && output.isBlank()) {
            output = null;
        }
        if (output != null && !S3_URI.matcher(output).matches()) {
            r.problem("output-location", "expected an S3 URI such as s3://my-athena-results/flowwatch/, got '" + output + "'");
        }
        Duration reuse = Duration.ZERO;
        if (r.has("result-reuse")) {
            reuse = r.duration("result-reuse");
            if (reuse.compareTo(MAX_RESULT_REUSE) > 0) {
                r.problem("result-reuse", "expected a duration of at most 7d (Athena's limit), got " + reuse);
            } else if (!reuse.isZero() && reuse.toMinutes() < 1) {
                r.problem("result-reuse", "expected 0 (off) or at least 1m (Athena counts whole minutes), got " + reuse);
            }
        }
        int before = r.problems().size();
        Duration pollInitial = r.duration("poll-initial");
        Duration pollMax = r.duration("poll-max");
        if (r.problems().size() == before) {
            if (pollInitial.isZero()) {
                r.problem("poll-initial", "expected a duration greater than zero, such as 200ms");
            } else if (pollMax.compareTo(pollInitial) < 0) {
                r.problem("poll-max", "expected a duration of at least poll-initial (" + pollInitial + "), got " + pollMax);
            }
        }
        before = r.problems().size();
        Duration timeout = r.duration("timeout");
        if (r.problems().size() == before && timeout.isZero()) {
            r.problem("timeout", "expected a duration greater than zero, such as 5m");
        }
        long maxBytes = 0;
        if (r.has("max-bytes-scanned")) {
            maxBytes = r.bytes("max-bytes-scanned");
            if (maxBytes < 0) {
                r.problem("max-bytes-scanned", "expected a size of 0 (no limit) or more, such as 10GiB");
            }
        }
        long rowLimit = r.longValue("row-limit", 1, Long.MAX_VALUE);
        AwsClientSettings aws = AwsClientSettings.read(r);
        r.throwIfProblems();
        return new AthenaQueryEngineConfig(database, table, workgroup, output, reuse, pollInitial, pollMax, timeout,
                Math.max(0, maxBytes), rowLimit, aws);
    }

    private static String name(ConfigReader r, String key, Pattern p, String expected) {
        String v = r.string(key);
        if (v != null && !p.matcher(v).matches()) {
            r.problem(key, "expected " + expected + ", got '" + v + "'");
            return null;
        }
        return v;
    }
}
