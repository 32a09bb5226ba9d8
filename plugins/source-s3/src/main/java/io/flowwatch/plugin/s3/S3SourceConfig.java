package io.flowwatch.plugin.s3;

import com.typesafe.config.Config;
import io.flowwatch.api.config.ConfigReader;
import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.plugin.aws.AwsClientSettings;

import java.time.Duration;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * An {@code s3} source's settings; the keys are documented in this plugin's {@code reference.conf}.
 *
 * @param bucket              the bucket
 * @param layout              where the flow logs are, from {@code prefix}
 * @param accounts            account ids to read (the prefix's own account included); empty: all
 * @param regions             regions to read (the prefix's own region included); empty: all
 * @param from                first day for partitions without a position, or null for "yesterday at open"
 * @param to                  last day (inclusive), or null for no end
 * @param pollInterval        pause between listings once everything has been read
 * @param lateDays            days before the newest day read that are listed again on every poll
 * @param lateMargin          how long an upload may take to be listed after its LastModified
 * @param expectedBucketOwner account id sent as ExpectedBucketOwner, or null
 * @param pathStyle           path-style requests
 * @param format              format of plain objects without a header line, or null for the runtime's default
 * @param chunkSize           bytes of whole lines per chunk handed over
 * @param readAhead           chunks the reader thread may queue ahead of the pipeline
 * @param aws                 the shared AWS client settings
 */
public record S3SourceConfig(String bucket, S3Layout layout, Set<String> accounts, Set<String> regions,
                             LocalDate from, LocalDate to, Duration pollInterval, int lateDays, Duration lateMargin,
                             String expectedBucketOwner, boolean pathStyle, FlowFormat format, int chunkSize,
                             int readAhead, AwsClientSettings aws) {

    static final int MIN_CHUNK_SIZE = 1024;
    static final int MAX_CHUNK_SIZE = 256 * 1024 * 1024;
    static final int MAX_READ_AHEAD = 1024;
    static final int MAX_LATE_DAYS = 7;

    public S3SourceConfig {
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(pollInterval, "pollInterval");
        Objects.requireNonNull(lateMargin, "lateMargin");
        Objects.requireNonNull(aws, "aws");
        accounts = Set.copyOf(accounts);
        regions = Set.copyOf(regions);
        if (from != null && to != null && to.isBefore(from)) {
            throw new IllegalArgumentException("to is before from");
        }
    }

    /**
     * Reads and checks a source block (reference defaults already applied), reporting every
     * problem at once.
     *
     * @param where the block's full path for messages, e.g. {@code flowwatch.sources.archive}
     * @throws io.flowwatch.api.FlowwatchException listing every problem found
     */
    public static S3SourceConfig read(Config config, String where) {
        ConfigReader r = new ConfigReader(config, where);
        String bucket = r.string("bucket");
        if (bucket != null && !bucket.matches("[a-z0-9][a-z0-9.\\-_]{1,254}")) {
            r.problem("bucket", "expected a bucket name (lower-case letters, digits, '.', '-'), got '" + bucket + "'");
        }
        S3Layout layout = r.parsed("prefix", "a key prefix such as \"AWSLogs/\"", S3Layout::parse);

        Set<String> accounts = new TreeSet<>();
        for (String a : r.stringList("accounts")) {
            if (!a.matches("\\d{12}")) {
                r.problem("accounts", "expected 12-digit account ids, got '" + a + "'");
            }
            accounts.add(a);
        }
        Set<String> regions = new TreeSet<>();
        for (String g : r.stringList("regions")) {
            if (!g.matches("[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\\d")) {
                r.problem("regions", "expected region names such as eu-west-1, got '" + g + "'");
            }
            regions.add(g);
        }
        if (layout != null) {
            // A prefix narrowed to an account or region is a filter too; it must agree with the lists.
            if (layout.account() != null) {
                if (!accounts.isEmpty() && !accounts.contains(layout.account())) {
                    r.problem("accounts", "the prefix names account " + layout.account() + ", which is not in accounts");
                }
                accounts = new TreeSet<>(List.of(layout.account()));
            }
            if (layout.region() != null) {
                if (!regions.isEmpty() && !regions.contains(layout.region())) {
                    r.problem("regions", "the prefix names region " + layout.region() + ", which is not in regions");
                }
                regions = new TreeSet<>(List.of(layout.region()));
            }
        }

        LocalDate from = date(r, "from");
        LocalDate to = date(r, "to");
        if (from != null && to != null && to.isBefore(from)) {
            r.problem("to", "expected a day on or after from (" + from + "), got " + to);
        }

        int before = r.problems().size();
        Duration pollInterval = r.duration("poll-interval");
        if (r.problems().size() == before && pollInterval.isZero()) {
            r.problem("poll-interval", "expected a duration greater than zero, such as 60s");
        }
        int lateDays = r.integer("late-days", 0, MAX_LATE_DAYS);
        before = r.problems().size();
        Duration lateMargin = r.duration("late-margin");
        if (r.problems().size() == before
                && (lateMargin.compareTo(Duration.ofSeconds(1)) < 0 || lateMargin.compareTo(Duration.ofHours(1)) > 0)) {
            r.problem("late-margin", "expected a duration from 1s to 1h, got " + lateMargin);
        }

        String owner = r.optionalString("expected-bucket-owner");
        if (owner != null && !owner.matches("\\d{12}")) {
            r.problem("expected-bucket-owner", "expected a 12-digit account id, got '" + owner + "'");
        }
        boolean pathStyle = r.bool("path-style");
        FlowFormat format = r.has("format")
                ? r.parsed("format", "a flow-log format such as \"${version} ${srcaddr} ${dstaddr}\"", FlowFormat::parse)
                : null;

        before = r.problems().size();
        long chunkSize = r.bytes("chunk-size");
        if (r.problems().size() == before && (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE)) {
            r.problem("chunk-size", "expected a size from 1KiB to 256MiB, got " + chunkSize + " bytes");
        }
        int readAhead = r.integer("read-ahead", 1, MAX_READ_AHEAD);
        AwsClientSettings aws = AwsClientSettings.read(r);
        r.throwIfProblems();
        return new S3SourceConfig(bucket, layout, accounts, regions, from, to, pollInterval, lateDays, lateMargin,
                owner, pathStyle, format, (int) chunkSize, readAhead, aws);
    }

    private static LocalDate date(ConfigReader r, String key) {
        String s = r.optionalString(key);
        if (s == null) {
            return null;
        }
        try {
            return LocalDate.parse(s.strip());
        } catch (DateTimeParseException e) {
            r.problem(key, "expected a day as yyyy-MM-dd, such as 2024-05-01, got '" + s + "'");
            return null;
        }
    }
}
