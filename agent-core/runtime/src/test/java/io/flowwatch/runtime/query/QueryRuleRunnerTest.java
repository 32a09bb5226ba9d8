package io.flowwatch.runtime.query;

import io.flowwatch.api.FlowwatchException.Problem;
import io.flowwatch.api.notify.Alert;
import io.flowwatch.api.notify.DeliveryResult;
import io.flowwatch.api.query.QueryEngine;
import io.flowwatch.runtime.config.ConfigLoader;
import io.flowwatch.runtime.metrics.AgentMetrics;
import io.flowwatch.runtime.notify.DeliverySettings;
import io.flowwatch.runtime.notify.NotificationDispatcher;
import io.flowwatch.runtime.notify.NotificationDispatcher.Routed;
import io.prometheus.client.CollectorRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The shipped example query rule (conf/queries.d) over real SQL in DuckDB on generated gzip flow logs. */
class QueryRuleRunnerTest {

    @TempDir
    Path dir;

    static final long H1 = 1_764_000_000L - (1_764_000_000L % 3600);
    static final long H2 = H1 + 3600;

    final CollectorRegistry registry = new CollectorRegistry();
    final AgentMetrics metrics = new AgentMetrics(registry, false);

    /** A minimal engine for the test: DuckDB over the files, ${name} bound as JDBC parameters. */
    static final class DuckEngine implements QueryEngine {
        final Path files;
        volatile CountDownLatch hold;

        DuckEngine(Path files) {
            this.files = files;
        }

        @Override
        public void execute(String sql, Map<String, Object> parameters, long rowLimit, RowSink sink) throws Exception {
            if (hold != null) {
                hold.await();
            }
            List<Object> args = new ArrayList<>();
            Matcher m = Pattern.compile("\\$\\{(\\w+)}").matcher(sql);
            StringBuilder jdbc = new StringBuilder();
            while (m.find()) {
                args.add(parameters.get(m.group(1)));
                m.appendReplacement(jdbc, "?");
            }
            m.appendTail(jdbc);
            try (Connection c = DriverManager.getConnection("jdbc:duckdb:")) {
                c.createStatement().execute("CREATE VIEW flow_logs AS SELECT * FROM read_csv('" + files + "/*.log.gz', delim = ' ',"
                        + " header = true, nullstr = '-', columns = {'version': 'INTEGER', 'account_id': 'VARCHAR', 'interface_id': 'VARCHAR',"
                        + " 'srcaddr': 'VARCHAR', 'dstaddr': 'VARCHAR', 'srcport': 'INTEGER', 'dstport': 'INTEGER', 'protocol': 'INTEGER',"
                        + " 'packets': 'BIGINT', 'bytes': 'BIGINT', 'start': 'BIGINT', 'end': 'BIGINT', 'action': 'VARCHAR', 'log_status': 'VARCHAR'})");
                try (PreparedStatement ps = c.prepareStatement(jdbc.toString())) {
                    for (int i = 0; i < args.size(); i++) {
                        ps.setObject(i + 1, args.get(i));
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        List<String> names = new ArrayList<>();
                        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                            names.add(rs.getMetaData().getColumnLabel(i));
                        }
                        sink.columns(names);
                        long n = 0;
                        while (rs.next() && n++ < rowLimit) {
                            List<Object> row = new ArrayList<>();
                            for (int i = 1; i <= names.size(); i++) {
                                row.add(rs.getObject(i));
                            }
                            if (!sink.row(row)) {
                                break;
                            }
                        }
                    }
                }
            }
        }
    }

    /** count rejects per source and hour, written as gzip objects with header lines. */
    Map<String, Integer> generate() throws Exception {
        Map<String, Integer> rejects = new HashMap<>();
        StringBuilder sb = new StringBuilder("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n");
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
        Object[][] plan = {{"198.51.100.1", H1, 1500}, {"198.51.100.2", H1, 999}, {"198.51.100.3", H2, 1200}, {"198.51.100.1", H2, 10}};
        for (Object[] p : plan) {
            String src = (String) p[0];
            long hour = (Long) p[1];
            int n = (Integer) p[2];
            for (int i = 0; i < n; i++) {
                long t = hour + rnd.nextInt(3600);
                sb.append("2 123456789012 eni-0a1 ").append(src).append(" 10.0.0.").append(1 + rnd.nextInt(200)).append(" 40000 ")
                        .append(rnd.nextInt(1024)).append(" 6 1 40 ").append(t).append(' ').append(t + 1).append(" REJECT OK\n");
                rejects.merge(src + "@" + hour, 1, Integer::sum);
            }
        }
        for (int i = 0; i < 5000; i++) { // accepted noise from the same sources
            long t = H1 + rnd.nextInt(7200);
            sb.append("2 123456789012 eni-0a1 198.51.100.").append(1 + rnd.nextInt(3)).append(" 10.0.0.9 40000 443 6 3 900 ")
                    .append(t).append(' ').append(t + 5).append(" ACCEPT OK\n");
        }
        sb.append("2 123456789012 eni-0a1 - - - - - - - ").append(H1).append(' ').append(H1 + 60).append(" - NODATA\n");
        Files.createDirectories(dir.resolve("logs"));
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(dir.resolve("logs/a.log.gz")))) {
            out.write(sb.toString().getBytes(StandardCharsets.US_ASCII));
        }
        return rejects;
    }

    QueryRuleRunner runner(DuckEngine engine) {
        ConfigLoader.LoadedRules loaded = new ConfigLoader().loadRules(List.of(Paths.get("../../conf/queries.d/top-rejected.conf")));
        assertThat(loaded.problems()).isEmpty();
        List<Problem> problems = new ArrayList<>();
        QueryRuleSpec spec = QueryRuleSpec.read(loaded.rules().get(0), java.util.Set.of("default"), problems);
        assertThat(problems).isEmpty();
        NotificationDispatcher dispatcher = new NotificationDispatcher(Map.of("console", a -> DeliveryResult.delivered()),
                Map.of("console", DeliverySettings.DEFAULTS), dir.resolve("outbox"), metrics);
        return new QueryRuleRunner(List.of(spec), Map.of("default", engine), dispatcher, metrics, Clock.systemUTC());
    }

    @Test
    void eachHourTheSourcesOverTheThresholdFireAndThoseBelowItResolve() throws Exception {
        Map<String, Integer> expected = generate();
        QueryRuleRunner runner = runner(new DuckEngine(dir.resolve("logs")));

        // Run at the end of hour 1 + the 10-minute delay: the window is exactly hour 1.
        List<Routed> first = runner.runAll(H2 + 600);
        assertThat(first).singleElement().satisfies(r -> {
            Alert a = r.alert();
            assertThat(a.state()).isEqualTo(Alert.State.FIRING);
            assertThat(a.labels()).containsEntry("srcaddr", "198.51.100.1");
            assertThat(a.value()).isEqualTo(expected.get("198.51.100.1@" + H1).doubleValue());
            assertThat(r.notifiers()).containsExactly("console");
        });

        List<Routed> second = runner.runAll(H2 + 3600 + 600);
        assertThat(second).extracting(r -> r.alert().state() + " " + r.alert().labels().get("srcaddr") + " " + (long) r.alert().value())
                .containsExactlyInAnyOrder("FIRING 198.51.100.3 " + expected.get("198.51.100.3@" + H2),
                        "RESOLVED 198.51.100.1 " + expected.get("198.51.100.1@" + H1));
        assertThat(registry.getSampleValue("flowwatch_query_runs_total", new String[]{"rule"}, new String[]{"top-rejected-sources"}))
                .isEqualTo(2.0);
    }

    @Test
    void aTurnWhileThePreviousRunIsStillGoingIsSkippedAndCounted() throws Exception {
        generate();
        DuckEngine engine = new DuckEngine(dir.resolve("logs"));
        engine.hold = new CountDownLatch(1);
        QueryRuleRunner runner = runner(engine);
        Thread slow = new Thread(() -> runner.tryTurn("top-rejected-sources", H2 + 600));
        slow.start();
        Thread.sleep(200);
        assertThat(runner.tryTurn("top-rejected-sources", H2 + 3600 + 600)).isFalse();
        engine.hold.countDown();
        slow.join();
        assertThat(registry.getSampleValue("flowwatch_query_runs_skipped_total", new String[]{"rule"}, new String[]{"top-rejected-sources"}))
                .isEqualTo(1.0);
    }

    @Test
    void aFailingQueryIsCountedAndItsWindowIsTriedAgain() throws Exception {
        generate();
        DuckEngine engine = new DuckEngine(dir.resolve("missing"));
        QueryRuleRunner runner = runner(engine);
        assertThat(runner.runAll(H2 + 600)).isEmpty();
        assertThat(registry.getSampleValue("flowwatch_query_failures_total", new String[]{"rule"}, new String[]{"top-rejected-sources"}))
                .isEqualTo(1.0);
    }

    @Test
    void aBadQueryRuleIsRefusedWithEveryProblem() throws Exception {
        Files.writeString(dir.resolve("q.conf"), """
                rules = [ { name = q, type = query, engine = athena, schedule = 10s, sql = "SELECT 1", threshold = 5 } ]
                """);
        ConfigLoader.LoadedRules loaded = new ConfigLoader().loadRules(List.of(dir.resolve("q.conf")));
        List<Problem> problems = new ArrayList<>();
        QueryRuleSpec.read(loaded.rules().get(0), java.util.Set.of("default"), problems);
        assertThat(problems).extracting(Problem::toString).anySatisfy(p -> assertThat(p).contains("rules[q].engine: expected one of the configured query engines (default), got 'athena'"))
                .anySatisfy(p -> assertThat(p).contains("rules[q].schedule: expected a schedule of at least 1m"))
                .anySatisfy(p -> assertThat(p).contains("rules[q].threshold: expected a value column"))
                .anySatisfy(p -> assertThat(p).contains("rules[q].sql: expected the query to use ${window_start}"));
    }
}
