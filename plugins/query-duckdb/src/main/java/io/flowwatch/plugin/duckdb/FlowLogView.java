package io.flowwatch.plugin.duckdb;

import io.flowwatch.api.record.FlowField;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes the {@code CREATE TEMP VIEW flow_logs} statement over a list of files.
 *
 * <p><b>Shape.</b> Files that share a read recipe (kind, columns, header) and a partition become one
 * branch: one {@code read_csv}/{@code read_parquet} over their list, selecting their columns with
 * declared types plus the partition values as <em>constants</em>. The branches are joined with
 * {@code UNION ALL BY NAME} (a column a file lacks is null), after an empty branch that fixes every
 * known AWS field's column and type, so {@code SELECT vpc_id} works on version-2 data too.
 *
 * <p><b>Pruning.</b> Because each branch's partition values are constants, DuckDB's optimizer folds a
 * {@code WHERE year = 2024 AND day = 2} to false for the other branches and never opens their files —
 * in the plain AWS layout as much as in the Hive one, and with bound parameters too (DuckDB plans a
 * prepared statement with its values). The unions are nested as a balanced tree so that thousands of
 * hourly directories do not make a deep plan.
 */
final class FlowLogView {

    static final String NAME = "flow_logs";

    /** The partition columns, after the AWS fields. */
    static final List<String> PARTITION_COLUMNS = List.of("region", "year", "month", "day", "hour");

    private FlowLogView() {
    }

    private record BranchKey(FlowLogFile.Kind kind, List<FlowLogFile.Column> columns, boolean header,
                             FlowLogFile.Partition partition) {
    }

    static String create(List<FlowLogFile> files) {
        Map<BranchKey, List<FlowLogFile>> branches = new LinkedHashMap<>();
        for (FlowLogFile f : files) {
            branches.computeIfAbsent(new BranchKey(f.kind(), f.columns(), f.header(), f.partition()), k -> new ArrayList<>()).add(f);
        }
        List<String> selects = new ArrayList<>(branches.size() + 1);
        selects.add(schemaBranch());
        branches.forEach((key, group) -> selects.add(branch(key, group)));
        return "CREATE OR REPLACE TEMP VIEW " + NAME + " AS " + union(selects);
    }

    /** Zero rows; every known field and partition column with its type, in AWS's order. */
    private static String schemaBranch() {
        StringBuilder sb = new StringBuilder("SELECT ");
        for (FlowField f : FlowField.values()) {
            sb.append("CAST(NULL AS ").append(FlowLogFiles.sqlType(f.type())).append(") AS ").append(ident(f.columnName())).append(", ");
        }
        sb.append("CAST(NULL AS INTEGER) AS \"year\", CAST(NULL AS INTEGER) AS \"month\", "
                + "CAST(NULL AS INTEGER) AS \"day\", CAST(NULL AS INTEGER) AS \"hour\" WHERE false");
        return sb.toString();
    }

    private static String branch(BranchKey key, List<FlowLogFile> files) {
        StringBuilder sb = new StringBuilder("SELECT ");
        boolean fileHasRegion = false;
        for (FlowLogFile.Column c : key.columns()) {
            if (c.name().equals("region")) {
                fileHasRegion = true;
                continue;
            }
            if (key.kind() == FlowLogFile.Kind.PARQUET) {
                sb.append("CAST(").append(ident(c.source())).append(" AS ").append(c.sqlType()).append(") AS ").append(ident(c.name()));
            } else {
                sb.append(ident(c.name()));
            }
            sb.append(", ");
        }
        FlowLogFile.Partition p = key.partition();
        String pathRegion = p.region() == null ? "CAST(NULL AS VARCHAR)" : literal(p.region());
        // The v4 field "region" (the interface's region) and the path's region name the same thing;
        // the record's own value wins where the format has it.
        if (fileHasRegion) {
            String source = key.kind() == FlowLogFile.Kind.PARQUET
                    ? "CAST(" + ident(sourceOf(key, "region")) + " AS VARCHAR)" : ident("region");
            sb.append("COALESCE(").append(source).append(", ").append(pathRegion).append(")");
        } else {
            sb.append(pathRegion);
        }
        sb.append(" AS \"region\", ")
                .append(intConstant(p.year())).append(" AS \"year\", ")
                .append(intConstant(p.month())).append(" AS \"month\", ")
                .append(intConstant(p.day())).append(" AS \"day\", ")
                .append(intConstant(p.hour())).append(" AS \"hour\" FROM ");
        sb.append(key.kind() == FlowLogFile.Kind.PARQUET ? "read_parquet(" : "read_csv(");
        sb.append('[');
        for (int i = 0; i < files.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(literal(files.get(i).path().toString()));
        }
        // The partition values are ours (constants above); DuckDB must not add its own from the path.
        sb.append("], hive_partitioning = false");
        if (key.kind() != FlowLogFile.Kind.PARQUET) {
            // Declared columns and no sniffing: types are AWS's, '-' is null, and binding the view
            // opens no file (only the branches a query keeps are ever read).
            sb.append(", header = ").append(key.header())
                    .append(", delim = ' ', quote = '', escape = '', nullstr = '-', auto_detect = false")
                    .append(", compression = '").append(key.kind() == FlowLogFile.Kind.TEXT_GZIP ? "gzip" : "none").append('\'')
                    .append(", columns = {");
            List<FlowLogFile.Column> cols = key.columns();
            for (int i = 0; i < cols.size(); i++) {
                sb.append(i == 0 ? "" : ", ").append(literal(cols.get(i).name())).append(": ").append(literal(cols.get(i).sqlType()));
            }
            sb.append('}');
        }
        return sb.append(')').toString();
    }

    private static String sourceOf(BranchKey key, String name) {
        for (FlowLogFile.Column c : key.columns()) {
            if (c.name().equals(name)) {
                return c.source();
            }
        }
        throw new IllegalStateException(name);
    }

    /** A balanced tree of unions, so the plan's depth grows with the log of the branch count. */
    private static String union(List<String> selects) {
        if (selects.size() == 1) {
            return selects.get(0);
        }
        int mid = selects.size() / 2;
        return "SELECT * FROM (" + union(selects.subList(0, mid)) + ") UNION ALL BY NAME SELECT * FROM ("
                + union(selects.subList(mid, selects.size())) + ")";
    }

    private static String intConstant(Integer v) {
        return v == null ? "CAST(NULL AS INTEGER)" : "CAST(" + v + " AS INTEGER)";
    }

    /** A SQL string literal; only text we produce (paths, names) goes through here, never user values. */
    static String literal(String s) {
        return "'" + Objects.requireNonNull(s).replace("'", "''") + "'";
    }

    static String ident(String s) {
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }
}
