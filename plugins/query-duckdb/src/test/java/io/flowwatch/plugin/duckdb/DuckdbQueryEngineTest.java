package io.flowwatch.plugin.duckdb;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.flowwatch.api.FlowwatchException;
import io.flowwatch.api.query.QueryEngine;
import io.flowwatch.testkit.TestPluginContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DuckdbQueryEngineTest {

    @TempDir
    Path dir;

    FlowLogTree tree;
    final List<QueryEngine> engines = new ArrayList<>();

    @BeforeEach
    void generate() throws Exception {
        tree = new FlowLogTree(dir.resolve("flowlogs")).writeAll();
    }

    @AfterEach
    void closeEngines() throws Exception {
        for (QueryEngine e : engines) {
            e.close();
        }
    }

    QueryEngine engine(Path path, String extra) {
        Config c = ConfigFactory.parseString("path = \"" + path.toString().replace("\\", "\\\\") + "\"\n" + extra)
                .withFallback(ConfigFactory.parseResources(getClass().getClassLoader(), "reference.conf")
                        .getConfig("flowwatch.defaults.query-engines.duckdb"));
        QueryEngine e = new DuckdbQueryEngineFactory().create(c, new TestPluginContext("default", Clock.systemUTC(), dir.resolve("state")));
        engines.add(e);
        return e;
    }

    QueryEngine engine() {
        return engine(tree.root, "");
    }

    /** Collects what the engine hands over. */
    static final class Rows implements QueryEngine.RowSink {
        List<String> columns;
        final List<List<Object>> rows = new ArrayList<>();
        final int stopAfter;

        Rows() {
            this(Integer.MAX_VALUE);
        }

        Rows(int stopAfter) {
            this.stopAfter = stopAfter;
        }

        @Override
        public void columns(List<String> names) {
            columns = names;
        }

        @Override
        public boolean row(List<Object> values) {
            rows.add(values);
            return rows.size() < stopAfter;
        }

        Object single() {
            assertThat(rows).hasSize(1);
            assertThat(rows.get(0)).hasSize(1);
            return rows.get(0).get(0);
        }
    }

    static Rows query(QueryEngine e, String sql) throws Exception {
        return query(e, sql, Map.of());
    }

    static Rows query(QueryEngine e, String sql, Map<String, Object> params) throws Exception {
        Rows r = new Rows();
        e.execute(sql, params, 1_000_000, r);
        return r;
    }

    static long asLong(Object o) {
        return ((Number) o).longValue();
    }

    @Test
    void countsSumsAndGroupBysEqualTheGeneratedRecords() throws Exception {
        QueryEngine e = engine();
        long expectedBytes = tree.records.stream().map(FlowLogTree.Rec::bytes).filter(Objects::nonNull).mapToLong(Long::longValue).sum();
        Rows total = query(e, "SELECT count(*), sum(bytes), count(srcport) FROM flow_logs");
        assertThat(asLong(total.rows.get(0).get(0))).isEqualTo(tree.records.size());
        assertThat(total.rows.get(0).get(1)).isEqualTo(BigInteger.valueOf(expectedBytes));
        assertThat(asLong(total.rows.get(0).get(2))).isEqualTo(tree.records.stream().filter(r -> r.srcport() != null).count());

        // Top rejected sources on port 22 (the AWS tutorial's question), independently in Java.
        Map<String, Long> expected = tree.records.stream()
                .filter(r -> "REJECT".equals(r.action()) && Integer.valueOf(22).equals(r.dstport()))
                .collect(Collectors.groupingBy(FlowLogTree.Rec::srcaddr, TreeMap::new, Collectors.counting()));
        Rows bySource = query(e, "SELECT srcaddr, count(*) FROM flow_logs WHERE action = 'REJECT' AND dstport = 22 "
                + "GROUP BY srcaddr ORDER BY srcaddr");
        Map<String, Long> actual = new TreeMap<>();
        bySource.rows.forEach(r -> actual.put((String) r.get(0), asLong(r.get(1))));
        assertThat(actual).isEqualTo(expected).isNotEmpty();

        Map<String, Long> expectedStatus = tree.records.stream()
                .collect(Collectors.groupingBy(FlowLogTree.Rec::logStatus, TreeMap::new, Collectors.counting()));
        Map<String, Long> actualStatus = new TreeMap<>();
        query(e, "SELECT log_status, count(*) FROM flow_logs GROUP BY ALL").rows
                .forEach(r -> actualStatus.put((String) r.get(0), asLong(r.get(1))));
        assertThat(actualStatus).isEqualTo(expectedStatus).containsKeys("OK", "NODATA");
    }

    @Test
    void partitionColumnsComeFromTheDirectoryLayout() throws Exception {
        Map<String, Long> expected = tree.records.stream().collect(Collectors.groupingBy(
                r -> r.region() + "/" + r.year() + "/" + r.month() + "/" + r.day() + "/" + r.hour(), TreeMap::new, Collectors.counting()));
        Map<String, Long> actual = new TreeMap<>();
        query(engine(), "SELECT region, year, month, day, hour, count(*) FROM flow_logs GROUP BY ALL").rows
                .forEach(r -> actual.put(r.get(0) + "/" + r.get(1) + "/" + r.get(2) + "/" + r.get(3) + "/" + r.get(4), asLong(r.get(5))));
        assertThat(actual).isEqualTo(expected)
                .containsKeys("eu-west-1/2024/5/1/0", "eu-west-1/2024/5/2/1", "us-east-1/2024/5/3/0", "null/null/null/null/null");
    }

    @Test
    void columnsHaveTheAwsTypesAndDashIsNull() throws Exception {
        QueryEngine e = engine();
        Rows types = query(e, "SELECT typeof(version), typeof(srcport), typeof(bytes), typeof(start), typeof(log_status),"
                + " typeof(tcp_flags), typeof(pkt_srcaddr), typeof(encryption_status), typeof(year), typeof(region) FROM flow_logs LIMIT 1");
        assertThat(types.rows.get(0)).containsExactly("INTEGER", "INTEGER", "BIGINT", "BIGINT", "VARCHAR",
                "INTEGER", "VARCHAR", "VARCHAR", "INTEGER", "VARCHAR");
        long noData = tree.records.stream().filter(FlowLogTree.Rec::noData).count();
        assertThat(noData).isPositive();
        assertThat(asLong(query(e, "SELECT count(*) FROM flow_logs WHERE log_status = 'NODATA' AND srcaddr IS NULL"
                + " AND srcport IS NULL AND bytes IS NULL AND action IS NULL").single())).isEqualTo(noData);
        // Fields only the custom-format file has: values there, null elsewhere.
        long ingress = tree.records.stream().filter(r -> "ingress".equals(r.flowDirection())).count();
        assertThat(asLong(query(e, "SELECT count(*) FROM flow_logs WHERE flow_direction = 'ingress'").single())).isEqualTo(ingress).isPositive();
        long flags = tree.records.stream().map(FlowLogTree.Rec::tcpFlags).filter(Objects::nonNull).mapToLong(Integer::longValue).sum();
        assertThat(asLong(query(e, "SELECT sum(tcp_flags) FROM flow_logs").single())).isEqualTo(flags);
        assertThat(asLong(query(e, "SELECT count(encryption_status) FROM flow_logs").single())).isEqualTo(15);
        // Values handed over with Java types that match the columns.
        Rows one = query(e, "SELECT srcport, bytes, action FROM flow_logs WHERE srcport IS NOT NULL LIMIT 1");
        assertThat(one.rows.get(0).get(0)).isInstanceOf(Integer.class);
        assertThat(one.rows.get(0).get(1)).isInstanceOf(Long.class);
        assertThat(one.rows.get(0).get(2)).isInstanceOf(String.class);
        assertThat(one.columns).containsExactly("srcport", "bytes", "action");
    }

    @Test
    void aWhereOnPartitionsSkipsOtherDirectoriesInThePlainAwsLayout() throws Exception {
        // A corrupt object in 2024-05-02 01h: queries that need it fail naming it; queries that
        // prune it away never open it (which is what pruning means).
        Path bad = tree.root.resolve("AWSLogs/" + FlowLogTree.ACCOUNT + "/vpcflowlogs/eu-west-1/2024/05/02/01/broken.log.gz");
        try (OutputStream out = Files.newOutputStream(bad)) {
            out.write(new byte[]{0x1f, (byte) 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7});
        }
        QueryEngine e = engine();
        long day1 = tree.records.stream().filter(r -> Integer.valueOf(1).equals(r.day())).count();
        assertThat(asLong(query(e, "SELECT count(*) FROM flow_logs WHERE year = 2024 AND month = 5 AND day = 1").single())).isEqualTo(day1);
        long day2Hour2 = tree.records.stream().filter(r -> Integer.valueOf(2).equals(r.day()) && Integer.valueOf(2).equals(r.hour())).count();
        assertThat(asLong(query(e, "SELECT count(*) FROM flow_logs WHERE day = ${d} AND hour = ${h}", Map.of("d", 2L, "h", 2L)).single()))
                .isEqualTo(day2Hour2);
        assertThatThrownBy(() -> query(e, "SELECT count(*) FROM flow_logs WHERE day = 2"))
                .isInstanceOf(FlowwatchException.class).hasMessageContaining("broken.log.gz");
    }

    @Test
    void parametersAreBoundAsValuesNeverAsSql() throws Exception {
        QueryEngine e = engine();
        long from = LocalDateTime.of(2024, 5, 1, 1, 0).toEpochSecond(ZoneOffset.UTC);
        long to = LocalDateTime.of(2024, 5, 2, 1, 30).toEpochSecond(ZoneOffset.UTC);
        long expected = tree.records.stream().filter(r -> r.start() >= from && r.start() < to).count();
        assertThat(asLong(query(e, "SELECT count(*) FROM flow_logs WHERE start >= ${window_start} AND start < ${window_end}",
                Map.of("window_start", from, "window_end", to)).single())).isEqualTo(expected).isPositive();

        // An Instant is a timestamp with time zone.
        Instant at = Instant.ofEpochSecond(from);
        assertThat(asLong(query(e, "SELECT count(*) FROM flow_logs WHERE to_timestamp(start) >= ${t}", Map.of("t", at)).single()))
                .isEqualTo(tree.records.stream().filter(r -> r.start() >= from).count());

        String src = FlowLogTree.SOURCES[0];
        long fromSrc = tree.records.stream().filter(r -> src.equals(r.srcaddr())).count();
        assertThat(asLong(query(e, "SELECT count(*) FROM flow_logs WHERE srcaddr = ${a} OR srcaddr = ${a}", Map.of("a", src)).single()))
                .isEqualTo(fromSrc).isPositive();
        // A value that would be an injection if pasted into the text stays a value: no address equals it.
        assertThat(asLong(query(e, "SELECT count(*) FROM flow_logs WHERE srcaddr = ${a}", Map.of("a", src + "' OR '1'='1")).single()))
                .isZero();
        assertThat(asLong(query(e, "SELECT count(*) FROM flow_logs WHERE srcaddr = ${a}", Map.of("a", "x'; DROP VIEW flow_logs; --"))
                .single())).isZero();
        assertThat(asLong(query(e, "SELECT count(*) FROM flow_logs").single())).isEqualTo(tree.records.size());
        // ${...} inside a string literal is text, not a parameter.
        assertThat(query(e, "SELECT '${not_a_parameter}' AS s", Map.of()).single()).isEqualTo("${not_a_parameter}");
    }

    @Test
    void aMissingParameterIsNamed() {
        QueryEngine e = engine();
        assertThatThrownBy(() -> query(e, "SELECT count(*) FROM flow_logs WHERE start >= ${window_start} AND start < ${window_end}",
                Map.of("window_start", 1L)))
                .isInstanceOf(FlowwatchException.class)
                .hasMessageContaining("${window_end}").hasMessageNotContaining("${window_start}").hasMessageContaining("given: window_start");
    }

    @Test
    void badSqlFailsWithDuckdbsMessageNamingTheProblem() {
        QueryEngine e = engine();
        assertThatThrownBy(() -> query(e, "SELEC count(*) FROM flow_logs"))
                .isInstanceOf(FlowwatchException.class).hasMessageContaining("syntax error").hasMessageContaining("SELEC");
        assertThatThrownBy(() -> query(e, "SELECT no_such_column FROM flow_logs"))
                .isInstanceOf(FlowwatchException.class).hasMessageContaining("no_such_column");
        assertThatThrownBy(() -> query(e, "SELECT * FROM flow_log"))
                .isInstanceOf(FlowwatchException.class).hasMessageContaining("flow_log");
    }

    @Test
    void anEmptyDirectoryHasTheColumnsAndNoRows() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Rows r = query(engine(empty, ""), "SELECT * FROM flow_logs");
        assertThat(r.rows).isEmpty();
        assertThat(r.columns).startsWith("version", "account_id", "interface_id").contains("log_status", "reject_reason")
                .endsWith("year", "month", "day", "hour");
        assertThat(asLong(query(engine(empty, ""), "SELECT count(*) FROM flow_logs").single())).isZero();
    }

    @Test
    void aMissingDirectoryIsAnErrorNamingIt() {
        Path missing = dir.resolve("nope");
        assertThatThrownBy(() -> query(engine(missing, ""), "SELECT count(*) FROM flow_logs"))
                .isInstanceOf(FlowwatchException.class).hasMessageContaining(missing.toString()).hasMessageContaining("does not exist");
    }

    @Test
    void theRowLimitAndTheSinkStopTheResult() throws Exception {
        QueryEngine e = engine(tree.root, "row-limit = 9");
        Rows capped = new Rows();
        e.execute("SELECT * FROM flow_logs", Map.of(), 1_000_000, capped);
        assertThat(capped.rows).hasSize(9);
        Rows asked = new Rows();
        e.execute("SELECT * FROM flow_logs", Map.of(), 4, asked);
        assertThat(asked.rows).hasSize(4);
        Rows stopped = new Rows(2);
        e.execute("SELECT * FROM flow_logs", Map.of(), 100, stopped);
        assertThat(stopped.rows).hasSize(2);
    }

    @Test
    @Timeout(60)
    void resultsStreamSoAHugeResultStopsAtTheLimitQuickly() throws Exception {
        Rows r = new Rows();
        // Ten billion rows: only a streamed result can hand over the first three in time.
        engine().execute("SELECT range AS n FROM range(10000000000)", Map.of(), 3, r);
        assertThat(r.rows).containsExactly(List.of(0L), List.of(1L), List.of(2L));
    }

    @Test
    @Timeout(60)
    void aQueryPastTheTimeoutIsCancelled() {
        QueryEngine e = engine(tree.root, "timeout = 1s");
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> query(e, "SELECT count(*) FROM range(100000000) a, range(100000) b WHERE a.range + b.range = -1"))
                .isInstanceOf(FlowwatchException.class).hasMessageContaining("timed out");
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(30_000);
    }

    @Test
    void noExtensionIsInstalledFetchedOrLoadableAndSettingsAreLocked() throws Exception {
        QueryEngine e = engine();
        query(e, "SELECT count(*) FROM flow_logs"); // read gzip text and Parquet first
        assertThat(asLong(query(e, "SELECT count(*) FROM duckdb_extensions() WHERE (installed OR loaded)"
                + " AND install_mode <> 'STATICALLY_LINKED'").single())).isZero();
        assertThat(query(e, "SELECT current_setting('autoinstall_known_extensions'), current_setting('autoload_known_extensions')")
                .rows.get(0)).containsExactly(false, false);
        assertThatThrownBy(() -> query(e, "SET autoinstall_known_extensions = true"))
                .isInstanceOf(FlowwatchException.class).hasMessageContaining("locked");
        // The engine's extension directory is its own and stays empty: nothing was ever downloaded.
        Path ext = dir.resolve("state/default/extensions");
        assertThat(!Files.exists(ext) || Files.list(ext).findAny().isEmpty()).isTrue();
    }

    @Test
    void concurrentQueriesEachGetTheRightAnswer() throws Exception {
        QueryEngine e = engine();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<Long>> results = new ArrayList<>();
            Map<Integer, Long> expected = new HashMap<>();
            for (int port : FlowLogTree.PORTS) {
                expected.put(port, tree.records.stream().filter(r -> Integer.valueOf(port).equals(r.dstport())).count());
            }
            for (int i = 0; i < 24; i++) {
                int port = FlowLogTree.PORTS[i % 4];
                results.add(pool.submit(() -> asLong(query(e, "SELECT count(*) FROM flow_logs WHERE dstport = ${p}",
                        Map.of("p", (long) port)).single())));
            }
            for (int i = 0; i < 24; i++) {
                assertThat(results.get(i).get()).isEqualTo(expected.get(FlowLogTree.PORTS[i % 4]));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void newFilesAreSeenByTheNextQuery() throws Exception {
        QueryEngine e = engine();
        assertThat(asLong(query(e, "SELECT count(*) FROM flow_logs").single())).isEqualTo(tree.records.size());
        Files.writeString(tree.root.resolve("late.log"), "version srcaddr action\n2 192.0.2.1 REJECT\n2 192.0.2.2 ACCEPT\n");
        assertThat(asLong(query(e, "SELECT count(*) FROM flow_logs").single())).isEqualTo(tree.records.size() + 2);
    }

    @Test
    void headerlessFilesUseTheConfiguredFormat() throws Exception {
        Path flat = Files.createDirectories(dir.resolve("flat"));
        Files.writeString(flat.resolve("a.log"), "10.0.0.1 22 100\n10.0.0.2 - 50\n");
        Rows r = query(engine(flat, "format = \"${srcaddr} ${dstport} ${bytes}\""),
                "SELECT srcaddr, dstport, bytes FROM flow_logs ORDER BY srcaddr");
        assertThat(r.rows).containsExactly(List.of("10.0.0.1", 22, 100L), java.util.Arrays.asList("10.0.0.2", null, 50L));
    }
}
