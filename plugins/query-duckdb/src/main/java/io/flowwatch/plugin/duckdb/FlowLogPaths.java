package io.flowwatch.plugin.duckdb;

import java.util.List;

/**
 * Reads partition values from an object's path relative to the engine's root, for both S3 layouts
 * AWS delivers (FLOWLOGS.md, "Where they are delivered"):
 * <ul>
 *   <li>{@code …/vpcflowlogs/{region}/{yyyy}/{MM}/{dd}/[{HH}/]file}</li>
 *   <li>{@code …/aws-region={region}/year={yyyy}/month={MM}/day={dd}/[hour={HH}/]file} (Hive-compatible)</li>
 * </ul>
 * Anything else (a flat directory) has no partition values.
 */
final class FlowLogPaths {

    private FlowLogPaths() {
    }

    /** @param dirs the directory names from the root down to the file's parent */
    static FlowLogFile.Partition partition(List<String> dirs) {
        FlowLogFile.Partition hive = hive(dirs);
        return hive != null ? hive : plain(dirs);
    }

    private static FlowLogFile.Partition hive(List<String> dirs) {
        String region = null;
        Integer year = null;
        Integer month = null;
        Integer day = null;
        Integer hour = null;
        boolean any = false;
        for (String d : dirs) {
            int eq = d.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String key = d.substring(0, eq);
            String value = d.substring(eq + 1);
            switch (key) {
                case "aws-region" -> region = value;
                case "year" -> year = number(value, 4);
                case "month" -> month = number(value, 2);
                case "day" -> day = number(value, 2);
                case "hour" -> hour = number(value, 2);
                default -> {
                    continue;
                }
            }
            any = true;
        }
        return any ? new FlowLogFile.Partition(region, year, month, day, hour) : null;
    }

    private static FlowLogFile.Partition plain(List<String> dirs) {
        int at = dirs.lastIndexOf("vpcflowlogs");
        if (at < 0 || at + 1 >= dirs.size()) {
            return FlowLogFile.Partition.NONE;
        }
        List<String> rest = dirs.subList(at + 1, dirs.size());
        String region = rest.get(0);
        Integer year = rest.size() > 1 ? number(rest.get(1), 4) : null;
        Integer month = year != null && rest.size() > 2 ? number(rest.get(2), 2) : null;
        Integer day = month != null && rest.size() > 3 ? number(rest.get(3), 2) : null;
        Integer hour = day != null && rest.size() > 4 ? number(rest.get(4), 2) : null;
        return new FlowLogFile.Partition(region, year, month, day, hour);
    }

    /** A decimal number of exactly {@code digits} digits, or null. */
    private static Integer number(String s, int digits) {
        if (s.length() != digits) {
            return null;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return null;
            }
        }
        return Integer.parseInt(s);
    }
}
