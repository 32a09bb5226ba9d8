package io.flowwatch.plugin.cloudwatch;

import com.typesafe.config.Config;
import io.flowwatch.api.config.ConfigReader;
import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.plugin.aws.AwsClientSettings;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A {@code cloudwatch-logs} source's settings; the keys are documented in this plugin's
 * {@code reference.conf}.
 *
 * @param logGroup          the log group as configured: a name or an ARN (a trailing {@code :*} removed)
 * @param streamPrefix      only streams whose names start with this, or null for all streams
 * @param start             where a source without a committed position begins
 * @param format            the format of the messages (CloudWatch messages have no header line)
 * @param pollInterval      the pause between the end of one scan and the start of the next
 * @param overlap           how far behind the event-time high-water mark each scan starts again
 * @param requestsPerSecond the most FilterLogEvents requests this source makes per second
 * @param pageLimit         the most events per FilterLogEvents page, or 0 for the service's maximum
 * @param backoffMin        the first wait after a throttled or failed request
 * @param backoffMax        the longest wait after repeated failures
 * @param aws               region, credentials, endpoint override, timeout (aws-common)
 */
public record CloudWatchLogsSourceConfig(String logGroup, String streamPrefix, Start start, FlowFormat format,
                                         Duration pollInterval, Duration overlap, double requestsPerSecond, int pageLimit,
                                         Duration backoffMin, Duration backoffMax, AwsClientSettings aws) {

    /** The service's own cap on FilterLogEvents' {@code limit}. */
    static final int MAX_PAGE_LIMIT = 10_000;
    static final double MAX_REQUESTS_PER_SECOND = 100;
    // Log group names: 1-512 of [.-_/#A-Za-z0-9] (CloudWatch Logs API reference, CreateLogGroup).
    private static final Pattern GROUP_NAME = Pattern.compile("[.\\-_/#A-Za-z0-9]{1,512}");
    private static final Pattern GROUP_ARN = Pattern.compile("arn:aws[a-z-]*:logs:[a-z0-9-]+:\\d{12}:log-group:([.\\-_/#A-Za-z0-9]{1,512})");

    /**
     * Where reading begins when nothing is committed.
     *
     * @param kind   latest, earliest or a timestamp
     * @param millis the timestamp (epoch ms) for {@link Kind#TIMESTAMP}, else 0
     */
    public record Start(Kind kind, long millis) {
        /** The three ways to begin. */
        public enum Kind { LATEST, EARLIEST, TIMESTAMP }

        public Start {
            Objects.requireNonNull(kind, "kind");
        }

        @Override
        public String toString() {
            return kind == Kind.TIMESTAMP ? Instant.ofEpochMilli(millis).toString() : kind.name().toLowerCase(java.util.Locale.ROOT);
        }

        /** Parses {@code latest}, {@code earliest}, an ISO-8601 instant or offset date-time, or a date (UTC midnight). */
        static Start parse(String s) {
            String v = s.trim();
            if (v.equalsIgnoreCase("latest")) {
                return new Start(Kind.LATEST, 0);
            }
            if (v.equalsIgnoreCase("earliest")) {
                return new Start(Kind.EARLIEST, 0);
            }
            try {
                return new Start(Kind.TIMESTAMP, OffsetDateTime.parse(v).toInstant().toEpochMilli());
            } catch (DateTimeParseException e) {
                // try the shorter forms below
            }
            try {
                return new Start(Kind.TIMESTAMP, LocalDateTime.parse(v).toInstant(ZoneOffset.UTC).toEpochMilli());
            } catch (DateTimeParseException e) {
                // try a plain date
            }
            try {
                return new Start(Kind.TIMESTAMP, LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli());
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("'" + s + "' is neither latest, earliest nor an ISO-8601 time");
            }
        }
    }

    public CloudWatchLogsSourceConfig {
        Objects.requireNonNull(logGroup, "logGroup");
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(aws, "aws");
        if (pollInterval.isZero() || pollInterval.isNegative()) {
            throw new IllegalArgumentException("poll-interval must be more than zero");
        }
        if (overlap.isNegative()) {
            throw new IllegalArgumentException("overlap must not be negative");
        }
        if (!(requestsPerSecond > 0 && requestsPerSecond <= MAX_REQUESTS_PER_SECOND)) {
            throw new IllegalArgumentException("requests-per-second must be more than 0 and at most " + MAX_REQUESTS_PER_SECOND);
        }
        if (pageLimit < 0 || pageLimit > MAX_PAGE_LIMIT) {
            throw new IllegalArgumentException("page-limit must be from 0 to " + MAX_PAGE_LIMIT);
        }
        if (backoffMin.isZero() || backoffMin.isNegative() || backoffMax.compareTo(backoffMin) < 0) {
            throw new IllegalArgumentException("backoff-min must be more than zero and at most backoff-max");
        }
    }

    /** True when {@link #logGroup} is an ARN (sent as logGroupIdentifier). */
    public boolean logGroupIsArn() {
        return logGroup.startsWith("arn:");
    }

    /** The log group's name: the configured name, or the name inside the ARN. Used in origins and messages. */
    public String logGroupName() {
        var m = GROUP_ARN.matcher(logGroup);
        return m.matches() ? m.group(1) : logGroup;
    }

    /**
     * Reads and checks a source block (reference defaults already applied), reporting every
     * problem at once.
     *
     * @param where the block's full path for messages, e.g. {@code flowwatch.sources.vpc-live}
     * @throws io.flowwatch.api.FlowwatchException listing every problem found
     */
    public static CloudWatchLogsSourceConfig read(Config config, String where) {
        ConfigReader r = new ConfigReader(config, where);
        String group = null;
        if (!r.has("log-group")) {
            r.problem("log-group", "expected a log group name such as /vpc/flow-logs or its ARN, but the key is missing");
        } else {
            group = r.string("log-group");
            if (group != null) {
                group = group.trim();
                if (group.endsWith(":*")) {
                    group = group.substring(0, group.length() - 2); // the ARN form IAM policies use
                }
                boolean ok = group.startsWith("arn:") ? GROUP_ARN.matcher(group).matches() : GROUP_NAME.matcher(group).matches();
                if (!ok) {
                    r.problem("log-group", "expected a log group name (1-512 of letters, digits and . - _ / #) or an ARN such as "
                            + "arn:aws:logs:eu-west-1:123456789012:log-group:/vpc/flow-logs, got '" + group + "'");
                }
            }
        }
        String prefix = r.optionalString("stream-prefix");
        if (prefix != null && prefix.isEmpty()) {
            prefix = null;
        }
        Start start = r.parsed("start", "latest, earliest or an ISO-8601 time such as 2024-05-01T00:00:00Z", Start::parse);
        FlowFormat format = r.has("format")
                ? r.parsed("format", "a flow-log format such as \"${version} ${srcaddr} ${dstaddr}\"", FlowFormat::parse)
                : FlowFormat.DEFAULT;

        int before = r.problems().size();
        Duration pollInterval = r.duration("poll-interval");
        if (r.problems().size() == before && pollInterval.isZero()) {
            r.problem("poll-interval", "expected a duration greater than zero, such as 5s");
        }
        Duration overlap = r.duration("overlap");

        before = r.problems().size();
        double rps = r.number("requests-per-second");
        if (r.problems().size() == before && !(rps > 0 && rps <= MAX_REQUESTS_PER_SECOND)) {
            r.problem("requests-per-second", "expected a number more than 0 and at most " + (int) MAX_REQUESTS_PER_SECOND + ", got " + rps);
        }
        int pageLimit = r.integer("page-limit", 0, MAX_PAGE_LIMIT);

        before = r.problems().size();
        Duration backoffMin = r.duration("backoff-min");
        Duration backoffMax = r.duration("backoff-max");
        if (r.problems().size() == before) {
            if (backoffMin.isZero()) {
                r.problem("backoff-min", "expected a duration greater than zero, such as 1s");
            } else if (backoffMax.compareTo(backoffMin) < 0) {
                r.problem("backoff-max", "expected a duration of at least backoff-min (" + backoffMin + "), got " + backoffMax);
            }
        }
        AwsClientSettings aws = AwsClientSettings.read(r);
        r.throwIfProblems();
        return new CloudWatchLogsSourceConfig(group, prefix, start, format, pollInterval, overlap, rps, pageLimit,
                backoffMin, backoffMax, aws);
    }
}
