package io.flowwatch.plugin.athena;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.flowwatch.api.FlowwatchException;
import io.flowwatch.api.query.QueryEngine;
import io.flowwatch.testkit.TestPluginContext;
import io.flowwatch.testkit.TestPluginContext.RecordingMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The engine with the real SDK against {@link FakeAthena}, which runs the SQL in DuckDB over a
 * {@code "default"."vpc_flow_logs"} table of generated records. Expected answers are computed in
 * Java from the same generated records, not by asking DuckDB.
 */
class AthenaQueryEngineTest {

    static {
        // The SDK's default chain reads these first; SigV4 needs some key, any key.
        System.setProperty("aws.accessKeyId", "AKIDEXAMPLE");
        System.setProperty("aws.secretAccessKey", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    }

    /** One generated flow record (the default format's fields that the tests use). */
    record Flow(String account, String eni, String src, String dst, int srcport, int dstport, long protocol,
                long packets, long bytes, long start, long end, String action) {
    }

    static final long T0 = 1_714_521_600L; // 2024-05-01T00:00:00Z
    static final String QUOTED_ENI = "eni-it's-'quoted'";

    @TempDir
    Path tmp;
    FakeAthena fake;
    final List<Flow> flows = new ArrayList<>();
    final List<QueryEngine> engines = new ArrayList<>();
    TestPluginContext ctx;

    @BeforeEach
    void setUp() throws Exception {
        fake = new FakeAthena();
        Random rnd = new Random(42);
        String[] srcs = {"10.0.0.1", "10.0.0.2", "10.0.0.3", "192.0.2.7", "198.51.100.9", "203.0.113.5", "2001:db8::1"};
        int[] ports = {22, 80, 443, 3389, 53};
        for (int i = 0; i < 400; i++) {
            String eni = i % 37 == 0 ? QUOTED_ENI : "eni-" + (i % 5);
            long start = T0 + rnd.nextInt(7200);
            flows.add(new Flow("123456789012", eni, srcs[rnd.nextInt(srcs.length)], "10.0.1." + rnd.nextInt(4),
                    1024 + rnd.nextInt(60000), ports[rnd.nextInt(ports.length)], rnd.nextBoolean() ? 6 : 17,
                    1 + rnd.nextInt(50), 40 + rnd.nextInt(100_000), start, start + 60, rnd.nextInt(3) == 0 ? "REJECT" : "ACCEPT"));
        }
        try (Statement s = fake.db().createStatement()) {
            s.execute("CREATE SCHEMA \"default\"");
            // The column names and types of the AWS-documented Athena table for flow logs.
            s.execute("CREATE TABLE \"default\".\"vpc_flow_logs\" (version INTEGER, account_id VARCHAR, interface_id VARCHAR,"
                    + " srcaddr VARCHAR, dstaddr VARCHAR, srcport INTEGER, dstport INTEGER, protocol BIGINT, packets BIGINT,"
                    + " bytes BIGINT, start BIGINT, \"end\" BIGINT, action VARCHAR, log_status VARCHAR)");
        }
        try (PreparedStatement ps = fake.db().prepareStatement(
                "INSERT INTO \"default\".\"vpc_flow_logs\" VALUES (2, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'OK')")) {
            for (Flow f : flows) {
                ps.setString(1, f.account());
                ps.setString(2, f.eni());
                ps.setString(3, f.src());
                ps.setString(4, f.dst());
                ps.setInt(5, f.srcport());
                ps.setInt(6, f.dstport());
                ps.setLong(7, f.protocol());
                ps.setLong(8, f.packets());
                ps.setLong(9, f.bytes());
                ps.setLong(10, f.start());
                ps.setLong(11, f.end());
                ps.setString(12, f.action());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        for (QueryEngine e : engines) {
            e.close();
        }
        assertThat(fake.protocolViolations()).as("requests the fake could not take for Athena's protocol").isEmpty();
        fake.close();
    }

    QueryEngine engine(String hocon) {
        Config c = ConfigFactory.parseString(hocon)
                .withFallback(ConfigFactory.parseMap(Map.of(
                        "region", "us-east-1",
                        "endpoint-override", fake.endpoint().toString(),
                        "output-location", "s3://my-athena-results/flowwatch/",
                        "poll-initial", "10ms",
                        "poll-max", "40ms",
                        "api-timeout", "5s")))
                .withFallback(ConfigFactory.parseResources(AthenaQueryEngineFactory.class.getClassLoader(), "reference.conf")
                        .getConfig("flowwatch.defaults.query-engines.athena"))
                .resolve();
        ctx = new TestPluginContext("athena", Clock.systemUTC(), tmp);
        QueryEngine e = new AthenaQueryEngineFactory().create(c, ctx);
        engines.add(e);
        return e;
    }

    RecordingMetrics metrics() {
        return ctx.metrics();
    }

    /** Collects what the engine streams. */
    static final class Rows implements QueryEngine.RowSink {
        List<String> columns;
        final List<List<Object>> rows = new ArrayList<>();
        int stopAfter = Integer.MAX_VALUE;

        @Override
        public void columns(List<String> names) {
            columns = names;
        }

        @Override
        public boolean row(List<Object> values) {
            rows.add(values);
            return rows.size() < stopAfter;
        }
    }

    static String failureMetric(String reason) {
        return RecordingMetrics.childName("athena_query_failures_total", List.of("reason"), List.of(reason));
    }

    @Test
    void groupedCountsMatchAnIndependentJavaCountAcrossResultPages() throws Exception {
        QueryEngine engine = engine("");
        long from = T0 + 600;
        long to = T0 + 5400;
        Rows out = new Rows();
        engine.execute("SELECT srcaddr, count(*) AS flows, sum(bytes) AS total_bytes\n"
                        + "FROM flow_logs\n"
                        + "WHERE action = ${action} AND start >= ${window_start} AND start < ${window_end}\n"
                        + "GROUP BY srcaddr ORDER BY srcaddr",
                Map.of("action", "REJECT", "window_start", from, "window_end", to), 1000, out);

        Map<String, long[]> expected = new TreeMap<>();
        for (Flow f : flows) {
            if (f.action().equals("REJECT") && f.start() >= from && f.start() < to) {
                long[] a = expected.computeIfAbsent(f.src(), k -> new long[2]);
                a[0]++;
                a[1] += f.bytes();
            }
        }
        assertThat(expected).hasSizeGreaterThan(3); // more rows than one page holds
        assertThat(out.columns).containsExactly("srcaddr", "flows", "total_bytes");
        List<List<Object>> want = new ArrayList<>();
        expected.forEach((src, a) -> want.add(List.of(src, a[0], a[1])));
        assertThat(out.rows).containsExactlyElementsOf(want);

        // What went over the wire: positional ? in the SQL, literals as parameters, the configured context.
        FakeAthena.Started s = fake.started().get(0);
        assertThat(s.query()).contains("action = ? AND start >= ? AND start < ?").doesNotContain("REJECT")
                .startsWith("WITH flow_logs AS (SELECT * FROM \"default\".\"vpc_flow_logs\")");
        assertThat(s.parameters()).containsExactly("'REJECT'", Long.toString(from), Long.toString(to));
        assertThat(s.database()).isEqualTo("default");
        assertThat(s.workgroup()).isEqualTo("primary");
        assertThat(s.outputLocation()).isEqualTo("s3://my-athena-results/flowwatch/");
        assertThat(s.reuseMaxAgeMinutes()).isNull();
        assertThat(s.clientRequestToken()).hasSizeGreaterThanOrEqualTo(32);
        // QUEUED, RUNNING, SUCCEEDED; then several pages (the fake pages 4 rows, the header included).
        assertThat(fake.operations()).filteredOn("GetQueryExecution"::equals).hasSize(3);
        assertThat(fake.operations()).filteredOn("GetQueryResults"::equals).hasSize((want.size() + 1 + 3) / 4);
        assertThat(metrics().value("athena_queries_total")).isEqualTo(1);
    }

    @Test
    void valuesAreConvertedByTheirAthenaColumnTypes() throws Exception {
        QueryEngine engine = engine("");
        Rows out = new Rows();
        engine.execute("SELECT count(*) AS n, avg(bytes) AS avg_bytes, count(*) > 0 AS any_rows,"
                + " epoch_ms(min(start) * 1000) AS first_seen, CAST(NULL AS VARCHAR) AS nothing, min(srcaddr) AS lowest,"
                + " min(dstport) AS low_port FROM flow_logs", Map.of(), 10, out);

        long n = flows.size();
        double avg = flows.stream().mapToLong(Flow::bytes).average().orElseThrow();
        long first = flows.stream().mapToLong(Flow::start).min().orElseThrow();
        String lowest = flows.stream().map(Flow::src).min(String::compareTo).orElseThrow();
        long lowPort = flows.stream().mapToLong(Flow::dstport).min().orElseThrow();
        assertThat(out.rows).hasSize(1);
        List<Object> r = out.rows.get(0);
        assertThat(r.get(0)).isEqualTo(n);
        assertThat((Double) r.get(1)).isCloseTo(avg, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(r.get(2)).isEqualTo(Boolean.TRUE);
        assertThat(r.get(3)).isEqualTo(Instant.ofEpochSecond(first));
        assertThat(r.get(4)).isNull();
        assertThat(r.get(5)).isEqualTo(lowest);
        assertThat(r.get(6)).isEqualTo(lowPort); // integer column: a Long too
    }

    @Test
    void parameterValuesWithQuotesStayValues() throws Exception {
        QueryEngine engine = engine("");
        Rows injected = new Rows();
        engine.execute("SELECT count(*) AS n FROM flow_logs WHERE action = ${action}",
                Map.of("action", "REJECT' OR '1'='1"), 10, injected);
        assertThat(injected.rows).containsExactly(List.of(0L));
        assertThat(fake.started().get(0).parameters()).containsExactly("'REJECT'' OR ''1''=''1'");

        Rows quoted = new Rows();
        engine.execute("SELECT count(*) AS n FROM flow_logs WHERE interface_id = ${eni}", Map.of("eni", QUOTED_ENI), 10, quoted);
        long expected = flows.stream().filter(f -> f.eni().equals(QUOTED_ENI)).count();
        assertThat(expected).isPositive();
        assertThat(quoted.rows).containsExactly(List.of(expected));
    }

    @Test
    void rowLimitAndAnEarlyStopEndReading() throws Exception {
        QueryEngine engine = engine("row-limit = 7");
        Rows capped = new Rows();
        engine.execute("SELECT srcaddr, dstport FROM flow_logs ORDER BY start", Map.of(), 1000, capped);
        assertThat(capped.rows).hasSize(7); // the engine's row-limit wins over the caller's 1000
        Rows limited = new Rows();
        engine.execute("SELECT srcaddr, dstport FROM flow_logs ORDER BY start", Map.of(), 5, limited);
        assertThat(limited.rows).hasSize(5);
        Rows stopped = new Rows();
        stopped.stopAfter = 2;
        engine.execute("SELECT srcaddr, dstport FROM flow_logs ORDER BY start", Map.of(), 1000, stopped);
        assertThat(stopped.rows).hasSize(2);
        // 7 rows need 2 pages of 4 (header included); 5 rows 2 pages; 2 rows 1 page: no page is read past the limit.
        assertThat(fake.operations()).filteredOn("GetQueryResults"::equals).hasSize(5);
    }

    @Test
    void aFailedQueryFailsWithAthenasReason() throws Exception {
        QueryEngine engine = engine("");
        fake.failNext("HIVE_BAD_DATA: Error parsing field value '-' for field 8");
        assertThatThrownBy(() -> engine.execute("SELECT count(*) FROM flow_logs", Map.of(), 10, new Rows()))
                .isInstanceOf(FlowwatchException.class)
                .hasMessageContaining("query " + fake.started().get(0).id() + " FAILED: HIVE_BAD_DATA: Error parsing field value '-'")
                .hasMessageContaining("athena engine athena");

        // A real error from executing the SQL: an unknown column.
        assertThatThrownBy(() -> engine.execute("SELECT no_such_column FROM flow_logs", Map.of(), 10, new Rows()))
                .isInstanceOf(FlowwatchException.class)
                .hasMessageContaining("FAILED")
                .hasMessageContaining("no_such_column");
        assertThat(metrics().value(failureMetric("failed"))).isEqualTo(2);
        assertThat(fake.operations()).doesNotContain("GetQueryResults");
    }

    @Test
    void aQueryThatOutlivesTheTimeoutIsStopped() {
        QueryEngine engine = engine("timeout = 300ms");
        fake.hangNext();
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> engine.execute("SELECT count(*) FROM flow_logs", Map.of(), 10, new Rows()))
                .isInstanceOf(FlowwatchException.class)
                .hasMessageContaining("did not finish within the timeout of PT0.3S (state RUNNING)")
                .hasMessageContaining("stopped it with StopQueryExecution");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(ms).isBetween(250L, 3000L);
        String id = fake.started().get(0).id();
        assertThat(fake.stopped()).containsExactly(id);
        assertThat(fake.state(id)).isEqualTo("CANCELLED");
        assertThat(metrics().value(failureMetric("timeout"))).isEqualTo(1);
        // Polls backed off to poll-max (40ms): far fewer than 300ms / 10ms.
        assertThat(fake.operations()).filteredOn("GetQueryExecution"::equals).hasSizeBetween(5, 15);
    }

    @Test
    void aQueryOverTheScanLimitIsStoppedAndItsBytesCounted() {
        QueryEngine engine = engine("max-bytes-scanned = 1GiB");
        long tenGiB = 10L << 30;
        fake.nextBytes(tenGiB);
        assertThatThrownBy(() -> engine.execute("SELECT count(*) FROM flow_logs", Map.of(), 10, new Rows()))
                .isInstanceOf(FlowwatchException.class)
                .hasMessageContaining("scanned " + tenGiB + " bytes while RUNNING, more than max-bytes-scanned (" + (1L << 30) + ")")
                .hasMessageContaining("stopped it with StopQueryExecution");
        assertThat(fake.stopped()).containsExactly(fake.started().get(0).id());
        assertThat(metrics().value("athena_bytes_scanned_total")).isEqualTo((double) tenGiB);
        assertThat(metrics().value(failureMetric("scan_limit"))).isEqualTo(1);
    }

    @Test
    void bytesScannedAreCountedOncePerQueryAndReusedResultsScanNothing() throws Exception {
        QueryEngine engine = engine("result-reuse = 1h");
        String sql = "SELECT count(*) AS n FROM flow_logs WHERE dstport = ${port}";
        Rows first = new Rows();
        engine.execute(sql, Map.of("port", 22), 10, first);
        Rows second = new Rows();
        engine.execute(sql, Map.of("port", 22), 10, second);
        Rows third = new Rows();
        engine.execute(sql, Map.of("port", 443), 10, third);

        long ssh = flows.stream().filter(f -> f.dstport() == 22).count();
        long https = flows.stream().filter(f -> f.dstport() == 443).count();
        assertThat(first.rows).containsExactly(List.of(ssh));
        assertThat(second.rows).containsExactly(List.of(ssh));
        assertThat(third.rows).containsExactly(List.of(https));
        long table = flows.size() * FakeAthena.BYTES_PER_ROW;
        // Scanned by the first and third; the second reused the first's result. Polls while RUNNING
        // reported half as much each time: counting per poll instead of per query would show here.
        assertThat(fake.reportedBytes()).containsExactly(table, 0L, table);
        assertThat(metrics().value("athena_bytes_scanned_total")).isEqualTo(2.0 * table);
        assertThat(metrics().value("athena_queries_total")).isEqualTo(3);
        assertThat(fake.started()).allSatisfy(s -> assertThat(s.reuseMaxAgeMinutes()).isEqualTo(60));
    }

    @Test
    void throttledCallsAreRetriedWithBackoff() throws Exception {
        QueryEngine engine = engine("");
        fake.throttle("ThrottlingException", 2);
        fake.throttle("TooManyRequestsException", 2);
        Rows out = new Rows();
        engine.execute("SELECT action, count(*) AS n FROM flow_logs GROUP BY action ORDER BY action", Map.of(), 10, out);
        long rejects = flows.stream().filter(f -> f.action().equals("REJECT")).count();
        assertThat(out.rows).containsExactly(List.of("ACCEPT", flows.size() - rejects), List.of("REJECT", rejects));
        assertThat(metrics().value("athena_api_retries_total")).isEqualTo(4);
        assertThat(fake.started()).hasSize(1);
        // The four throttled attempts were all StartQueryExecution; it was sent five times in all.
        assertThat(fake.operations()).filteredOn("StartQueryExecution"::equals).hasSize(5);

        fake.throttle("ThrottlingException", 3);
        Rows again = new Rows();
        engine.execute("SELECT count(*) AS n FROM flow_logs", Map.of(), 10, again);
        assertThat(again.rows).containsExactly(List.of((long) flows.size()));
    }

    @Test
    void throttlingUntilTheTimeoutFailsClearly() {
        QueryEngine engine = engine("timeout = 200ms");
        fake.throttle("ThrottlingException", 1000);
        assertThatThrownBy(() -> engine.execute("SELECT 1", Map.of(), 10, new Rows()))
                .isInstanceOf(FlowwatchException.class)
                .hasMessageContaining("StartQueryExecution was still throttled or failing when the timeout of PT0.2S ran out")
                .hasMessageContaining("ThrottlingException");
    }

    @Test
    void aMissingParameterValueFailsBeforeAnythingIsSent() {
        QueryEngine engine = engine("");
        assertThatThrownBy(() -> engine.execute("SELECT * FROM flow_logs WHERE srcaddr = ${addr}", Map.of("other", 1), 10, new Rows()))
                .isInstanceOf(FlowwatchException.class)
                .hasMessageContaining("no value for parameter ${addr}");
        assertThat(fake.operations()).isEmpty();
    }

    @Test
    void aServiceErrorThatNoRetryFixesFailsAtOnce() {
        QueryEngine engine = engine("database = nosuchdb");
        assertThatThrownBy(() -> engine.execute("SELECT count(*) FROM flow_logs", Map.of(), 10, new Rows()))
                .isInstanceOf(FlowwatchException.class)
                .hasMessageContaining("FAILED")
                .hasMessageContaining("nosuchdb");
    }

    @Test
    void anInterruptedCallerStopsItsQuery() throws Exception {
        QueryEngine engine = engine("");
        fake.hangNext();
        java.util.concurrent.atomic.AtomicReference<Throwable> thrown = new java.util.concurrent.atomic.AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                engine.execute("SELECT count(*) FROM flow_logs", Map.of(), 10, new Rows());
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        t.start();
        long until = System.nanoTime() + 5_000_000_000L;
        while (fake.operations().stream().filter("GetQueryExecution"::equals).count() < 3 && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        t.interrupt();
        t.join(5000);
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
        assertThat(fake.stopped()).containsExactly(fake.started().get(0).id());
    }
}
