package io.flowwatch.plugin.s3;

import java.time.LocalDate;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where flow logs sit in a bucket, from the {@code prefix} key: the {@code .../AWSLogs/} base and,
 * when the prefix goes deeper, the one account (and region) it names.
 *
 * <p>Below the base, AWS writes {@code {account}/vpcflowlogs/{region}/yyyy/MM/dd/[HH/]{file}}, or with
 * Hive-compatible prefixes {@code aws-account-id={account}/aws-service=vpcflowlogs/aws-region={region}/
 * year=yyyy/month=MM/day=dd/[hour=HH/]{file}} (VPC user guide, "Flow log files" in S3, as of 2024).
 * Both sort chronologically by key, which is what lets a listing with {@code StartAfter} walk days in order.
 *
 * @param base    the key prefix ending in {@code AWSLogs/} (or empty-prefix {@code AWSLogs/})
 * @param account the account the prefix narrows to, or null
 * @param region  the region the prefix narrows to, or null
 */
record S3Layout(String base, String account, String region) {

    static final String AWS_LOGS = "AWSLogs/";
    private static final Pattern ACCOUNT = Pattern.compile("(aws-account-id=)?(\\d{12})");
    private static final Pattern SERVICE = Pattern.compile("(aws-service=)?vpcflowlogs");
    private static final Pattern REGION = Pattern.compile("(aws-region=)?([a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\\d)");

    S3Layout {
        Objects.requireNonNull(base, "base");
    }

    /** Parses the {@code prefix} key; throws {@link IllegalArgumentException} saying what is wrong. */
    static S3Layout parse(String prefix) {
        String p = prefix.strip();
        if (p.startsWith("/")) {
            throw new IllegalArgumentException("S3 keys do not start with '/': write '" + p.substring(1) + "'");
        }
        if (!p.isEmpty() && !p.endsWith("/")) {
            p = p + "/";
        }
        int at = -1;
        for (int i = p.indexOf(AWS_LOGS); i >= 0; i = p.indexOf(AWS_LOGS, i + 1)) {
            if (i == 0 || p.charAt(i - 1) == '/') {
                at = i;
            }
        }
        if (at < 0) {
            // The destination prefix as given to AWS; AWS adds AWSLogs/ below it.
            return new S3Layout(p + AWS_LOGS, null, null);
        }
        String base = p.substring(0, at + AWS_LOGS.length());
        String rest = p.substring(base.length());
        if (rest.isEmpty()) {
            return new S3Layout(base, null, null);
        }
        String[] segs = rest.substring(0, rest.length() - 1).split("/", -1);
        if (segs.length > 3) {
            throw new IllegalArgumentException("the prefix goes below {account}/vpcflowlogs/{region}/; choose days with from and to");
        }
        Matcher a = ACCOUNT.matcher(segs[0]);
        if (!a.matches()) {
            throw new IllegalArgumentException("expected a 12-digit account id after AWSLogs/, got '" + segs[0] + "'");
        }
        if (segs.length > 1 && !SERVICE.matcher(segs[1]).matches()) {
            throw new IllegalArgumentException("expected vpcflowlogs after the account id, got '" + segs[1] + "'");
        }
        String region = null;
        if (segs.length > 2) {
            Matcher r = REGION.matcher(segs[2]);
            if (!r.matches()) {
                throw new IllegalArgumentException("expected a region such as eu-west-1 after vpcflowlogs/, got '" + segs[2] + "'");
            }
            region = r.group(2);
        }
        return new S3Layout(base, a.group(2), region);
    }

    /** The account of a common prefix directly below the base ({@code 1234.../} or {@code aws-account-id=1234.../}), or null. */
    AccountDir accountDir(String commonPrefix) {
        if (!commonPrefix.startsWith(base) || !commonPrefix.endsWith("/")) {
            return null;
        }
        Matcher m = ACCOUNT.matcher(commonPrefix.substring(base.length(), commonPrefix.length() - 1));
        if (!m.matches()) {
            return null;
        }
        boolean hive = m.group(1) != null;
        return new AccountDir(m.group(2), hive, commonPrefix + (hive ? "aws-service=vpcflowlogs/" : "vpcflowlogs/"));
    }

    /** An account found below the base, and the prefix its regions are listed under. */
    record AccountDir(String account, boolean hive, String regionsPrefix) {
    }

    /** The partition of a common prefix directly below an account's regions prefix, or null. */
    static Partition partition(AccountDir a, String commonPrefix) {
        if (!commonPrefix.startsWith(a.regionsPrefix()) || !commonPrefix.endsWith("/")) {
            return null;
        }
        Matcher m = REGION.matcher(commonPrefix.substring(a.regionsPrefix().length(), commonPrefix.length() - 1));
        if (!m.matches() || (m.group(1) != null) != a.hive()) {
            return null;
        }
        return new Partition(a.account(), m.group(2), a.hive(), commonPrefix);
    }

    /**
     * One account/region: the unit of listing and of positions.
     *
     * @param prefix the key prefix the day directories are under
     */
    record Partition(String account, String region, boolean hive, String prefix) {

        /** The position's partition name: {@code account/region}, with {@code /hive} for the Hive layout. */
        String name() {
            return account + "/" + region + (hive ? "/hive" : "");
        }

        /** The prefix of one day's keys; as a StartAfter it sorts before every key of that day. */
        String dayPrefix(LocalDate d) {
            return prefix + dayPath(d);
        }

        String dayPath(LocalDate d) {
            return hive
                    ? String.format("year=%04d/month=%02d/day=%02d/", d.getYear(), d.getMonthValue(), d.getDayOfMonth())
                    : String.format("%04d/%02d/%02d/", d.getYear(), d.getMonthValue(), d.getDayOfMonth());
        }

        /** The day of a key relative to {@link #prefix}, or null when it is not in the date layout. */
        LocalDate dayOf(String rel) {
            try {
                if (hive) {
                    if (rel.length() < 27 || !rel.startsWith("year=") || !rel.startsWith("/month=", 9)
                            || !rel.startsWith("/day=", 18) || rel.charAt(25) != '/') {
                        return null;
                    }
                    return LocalDate.of(Integer.parseInt(rel, 5, 9, 10), Integer.parseInt(rel, 16, 18, 10),
                            Integer.parseInt(rel, 23, 25, 10));
                }
                if (rel.length() < 12 || rel.charAt(4) != '/' || rel.charAt(7) != '/' || rel.charAt(10) != '/') {
                    return null;
                }
                return LocalDate.of(Integer.parseInt(rel, 0, 4, 10), Integer.parseInt(rel, 5, 7, 10),
                        Integer.parseInt(rel, 8, 10, 10));
            } catch (NumberFormatException | java.time.DateTimeException e) {
                return null;
            }
        }
    }
}
