package io.flowwatch.runtime;

import io.flowwatch.api.FlowwatchException.Problem;
import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;
import io.flowwatch.api.rule.RuleOutput;
import io.flowwatch.api.rule.Signal;
import io.flowwatch.api.source.LineChunk;
import io.flowwatch.runtime.config.ConfigLoader;
import io.flowwatch.runtime.parse.FlowLogParser;
import io.flowwatch.runtime.pipeline.BoundRule;
import io.flowwatch.runtime.plugin.PluginRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rule engine's per-window counts, checked against the same counts computed by SQL in DuckDB
 * over the same gzip files: two independent readings of the data must agree exactly.
 */
class RuleEngineReferenceTest {

    static PluginRuntime plugins;

    @TempDir
    static Path dir;

    static final long T0 = 1_764_000_000L;
    static final int FILES = 6;
    static final int RECORDS_PER_FILE = 40_000;
    static final long LATENESS = 120;

    @BeforeAll
    static void generate() throws IOException {
        plugins = PluginRuntime.load(TestPlugins.dir());
        SplittableRandom rnd = new SplittableRandom(42);
        String[] sources = new String[400];
        for (int i = 0; i < sources.length; i++) {
            sources[i] = i % 25 == 0 ? "2001:db8::" + Integer.toHexString(i) : "198.51." + (i / 200) + "." + (i % 200 + 1);
        }
        long clock = T0;
        for (int f = 0; f < FILES; f++) {
            StringBuilder sb = new StringBuilder("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n");
            for (int i = 0; i < RECORDS_PER_FILE; i++) {
                clock += rnd.nextInt(3) == 0 ? 1 : 0;
                long start = clock - rnd.nextInt(60); // out of order, within allowed lateness
                if (rnd.nextInt(300) == 0) {
                    sb.append("2 123456789012 eni-0a1 - - - - - - - ").append(start).append(' ').append(start + 60).append(" - NODATA\n");
                    continue;
                }
                // Skewed: a few sources send most of the traffic.
                String src = sources[(int) Math.min(sources.length - 1, -Math.log(1 - rnd.nextDouble()) * 40)];
                int dport = new int[]{22, 443, 80, 3389, 8080}[rnd.nextInt(5)] + (rnd.nextInt(10) == 0 ? rnd.nextInt(1000) : 0);
                String action = rnd.nextInt(4) == 0 ? "REJECT" : "ACCEPT";
                sb.append("2 123456789012 eni-0a1 ").append(src).append(" 10.0.0.").append(rnd.nextInt(250) + 1).append(' ')
                        .append(30000 + rnd.nextInt(30000)).append(' ').append(dport).append(" 6 ").append(1 + rnd.nextInt(20))
                        .append(' ').append(40 + rnd.nextInt(9000)).append(' ').append(start).append(' ').append(start + rnd.nextInt(60) + 1)
                        .append(' ').append(action).append(" OK\n");
            }
            try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(dir.resolve("part-" + f + ".log.gz")))) {
                out.write(sb.toString().getBytes(StandardCharsets.US_ASCII));
            }
        }
    }

    @AfterAll
    static void close() {
        plugins.close();
    }

    /** (key, window start) → value, from the rule's signals over the files read by the agent's parser. */
    static Map<String, Long> engineCounts(String ruleBlock, String keyField) throws IOException {
        Path rules = dir.resolve("rules-" + Math.abs(ruleBlock.hashCode()) + ".conf");
        Files.writeString(rules, "rules = [ " + ruleBlock + " ]\n");
        ConfigLoader.LoadedRules loaded = new ConfigLoader().loadRules(List.of(rules));
        assertThat(loaded.problems()).isEmpty();
        List<Problem> problems = new ArrayList<>();
        List<BoundRule> built = new AgentAssembler(plugins.catalog(), Clock.systemUTC(), null)
                .assembleRules(loaded.rules(), dir.resolve("state"), problems);
        assertThat(problems).isEmpty();
        var rule = built.get(0).rule();

        Map<String, Long> counts = new HashMap<>();
        RuleOutput out = new RuleOutput() {
            @Override
            public void firing(Signal s) {
                Long previous = counts.put(s.key().get(keyField) + "@" + s.windowStart(), (long) s.value());
                assertThat(previous).as("one signal per key and window").isNull();
            }

            @Override
            public void resolved(Map<String, String> key, long eventTime) {
            }
        };
        FlowLogParser parser = new FlowLogParser(FlowFormat.DEFAULT);
        long[] newest = {Long.MIN_VALUE};
        for (int f = 0; f < FILES; f++) {
            byte[] data;
            try (InputStream in = new GZIPInputStream(Files.newInputStream(dir.resolve("part-" + f + ".log.gz")))) {
                data = in.readAllBytes();
            }
            List<FlowRecord> batch = new ArrayList<>();
            parser.parse(LineChunk.of("part-" + f, 1, data, null), new FlowLogParser.Sink() {
                @Override
                public void record(FlowRecord r) {
                    batch.add(r);
                }

                @Override
                public void malformed(String origin, long line, String reason) {
                    throw new AssertionError(origin + ":" + line + ": " + reason);
                }
            });
            for (int i = 0; i < batch.size(); i++) {
                FlowRecord r = batch.get(i);
                rule.onRecord(r, out);
                newest[0] = Math.max(newest[0], r.eventTime());
                if (i % 1000 == 999) {
                    rule.onWatermark(newest[0] - LATENESS, out);
                }
            }
        }
        rule.onWatermark(Long.MAX_VALUE, out);
        return counts;
    }

    static Map<String, Long> duckdb(String sql) throws Exception {
        Map<String, Long> counts = new HashMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
            st.execute("CREATE VIEW flow_logs AS SELECT * FROM read_csv('" + dir.resolve("part-*.log.gz")
                    + "', delim = ' ', header = true, all_varchar = true)");
            try (ResultSet rs = st.executeQuery(sql)) {
                while (rs.next()) {
                    counts.put(rs.getString(1) + "@" + rs.getLong(2), rs.getLong(3));
                }
            }
        }
        return counts;
    }

    @Test
    void frequencyCountsEqualSqlGroupByCounts() throws Exception {
        Map<String, Long> engine = engineCounts("""
                { name = rejected, type = frequency, match { action = REJECT }, group-by = [srcaddr], window = 5m, threshold = 1 }
                """, "srcaddr");
        Map<String, Long> sql = duckdb("""
                SELECT srcaddr, CAST(start AS BIGINT) - CAST(start AS BIGINT) % 300 AS w, count(*)
                FROM flow_logs WHERE action = 'REJECT' GROUP BY ALL
                """);
        assertThat(sql).hasSizeGreaterThan(1000);
        assertThat(engine).isEqualTo(sql);
    }

    @Test
    void frequencyWithAThresholdKeepsExactlyTheGroupsAtOrOverIt() throws Exception {
        Map<String, Long> engine = engineCounts("""
                { name = ssh, type = frequency, match { action = REJECT, dstport = 22 }, group-by = [srcaddr], window = 10m, threshold = 3 }
                """, "srcaddr");
        Map<String, Long> sql = duckdb("""
                SELECT srcaddr, CAST(start AS BIGINT) - CAST(start AS BIGINT) % 600 AS w, count(*) AS n
                FROM flow_logs WHERE action = 'REJECT' AND dstport = '22' GROUP BY ALL HAVING n >= 3
                """);
        assertThat(sql).isNotEmpty();
        assertThat(engine).isEqualTo(sql);
    }
}
