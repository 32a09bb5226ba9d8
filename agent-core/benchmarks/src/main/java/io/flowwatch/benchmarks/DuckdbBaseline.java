package io.flowwatch.benchmarks;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * An independent engine on the same files: DuckDB reads the gzip objects with {@code read_csv}
 * and computes the counts the example rules compute (per-source SSH/RDP rejects per 5 minutes,
 * distinct rejected ports and hosts per source per 10 minutes, bytes per internal source per
 * 5 minutes, SSH rejects per 5 minutes). Usage: DuckdbBaseline DIR [THREADS].
 */
public final class DuckdbBaseline {

    public static void main(String[] args) throws Exception {
        String glob = args[0] + "/**/*.log.gz";
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        long start = System.nanoTime();
        long groups = 0;
        long rows;
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
            st.execute("SET threads = " + threads);
            // Read once into columns, as the agent reads each record once; then the rule-shaped aggregates.
            st.execute("CREATE TEMP TABLE f AS SELECT srcaddr, dstaddr, TRY_CAST(dstport AS INTEGER) AS dstport,"
                    + " TRY_CAST(protocol AS INTEGER) AS protocol, TRY_CAST(bytes AS BIGINT) AS bytes,"
                    + " CAST(start AS BIGINT) AS start, action FROM read_csv('" + glob + "', delim = ' ', header = true,"
                    + " all_varchar = true)");
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM f")) {
                rs.next();
                rows = rs.getLong(1);
            }
            String[] queries = {
                "SELECT srcaddr, start - start % 300, count(*) FROM f WHERE action = 'REJECT' AND protocol = 6"
                        + " AND dstport IN (22, 3389) GROUP BY ALL HAVING count(*) >= 100",
                "SELECT srcaddr, start - start % 600, count(DISTINCT dstport) FROM f WHERE action = 'REJECT' GROUP BY ALL"
                        + " HAVING count(DISTINCT dstport) >= 500",
                "SELECT srcaddr, start - start % 600, count(DISTINCT dstaddr) FROM f WHERE action = 'REJECT' GROUP BY ALL"
                        + " HAVING count(DISTINCT dstaddr) >= 100",
                "SELECT srcaddr, start - start % 300, sum(bytes) FROM f WHERE action = 'ACCEPT' GROUP BY ALL",
                "SELECT start - start % 300, count(*) FROM f WHERE action = 'REJECT' AND protocol = 6 AND dstport = 22 GROUP BY ALL",
            };
            for (String q : queries) {
                try (ResultSet rs = st.executeQuery(q)) {
                    while (rs.next()) {
                        groups++;
                    }
                }
            }
        }
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf("duckdb-baseline (%d threads): %d records, %d result rows in %.2f s = %.2f M records/s%n",
                threads, rows, groups, secs, rows / secs / 1e6);
    }
}
