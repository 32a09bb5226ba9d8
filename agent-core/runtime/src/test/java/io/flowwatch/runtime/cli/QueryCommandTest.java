package io.flowwatch.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowwatch.runtime.TestPlugins;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code flowwatch query} against the real query-duckdb plugin zip, over generated gzip objects in the S3 layout. */
class QueryCommandTest {

    @TempDir
    Path dir;

    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream oldOut;
    PrintStream oldErr;

    /** action → [records, bytes], computed while writing. */
    final Map<String, long[]> byAction = new TreeMap<>();
    int records;
    Path data;

    @BeforeEach
    void setUp() throws IOException {
        oldOut = System.out;
        oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        data = dir.resolve("flowlogs");
        Random random = new Random(7);
        for (String day : List.of("01", "02")) {
            Path file = data.resolve("AWSLogs/123456789012/vpcflowlogs/eu-west-1/2024/05/" + day
                    + "/123456789012_vpcflowlogs_eu-west-1_fl-1_202405" + day + "T0000Z_a.log.gz");
            Files.createDirectories(file.getParent());
            StringBuilder sb = new StringBuilder("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n");
            for (int i = 0; i < 30 + random.nextInt(20); i++) {
                String action = random.nextInt(3) == 0 ? "REJECT" : "ACCEPT";
                long bytes = 40 + random.nextInt(100_000);
                sb.append("2 123456789012 eni-1 10.0.0.").append(random.nextInt(5)).append(" 10.0.1.1 ")
                        .append(1024 + random.nextInt(1000)).append(" 22 6 1 ").append(bytes).append(" 1714521600 1714521660 ")
                        .append(action).append(" OK\n");
                long[] a = byAction.computeIfAbsent(action, k -> new long[2]);
                a[0]++;
                a[1] += bytes;
                records++;
            }
            sb.append("2 123456789012 eni-1 - - - - - - - 1714521600 1714521660 - NODATA\n");
            records++;
            try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(file))) {
                o.write(sb.toString().getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    @AfterEach
    void restore() {
        System.setOut(oldOut);
        System.setErr(oldErr);
    }

    Path conf(String engines) throws IOException {
        Path p = dir.resolve("agent.conf");
        Files.writeString(p, """
                flowwatch {
                  plugins-dir = "%s"
                  state-dir = "%s"
                  query-engines {
                %s
                  }
                }
                """.formatted(TestPlugins.dir(), dir.resolve("state"), engines));
        return p;
    }

    Path oneEngine() throws IOException {
        return conf("    logs { type = duckdb, path = \"" + data + "\" }");
    }

    int run(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "query";
        System.arraycopy(args, 0, all, 1, args.length);
        return FlowwatchCommand.commandLine().execute(all);
    }

    String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void printsAnAlignedTableWithARowCount() throws IOException {
        int code = run("--config", oneEngine().toString(),
                "SELECT action, count(*) AS flows, sum(bytes) AS bytes FROM flow_logs WHERE log_status = 'OK' GROUP BY action ORDER BY action");
        assertThat(code).as(stderr()).isZero();
        List<String> lines = stdout().lines().toList();
        assertThat(lines).hasSize(5);
        assertThat(lines.get(0)).matches("action +flows +bytes");
        assertThat(lines.get(1)).matches("-+  -+  -+");
        long[] accept = byAction.get("ACCEPT");
        long[] reject = byAction.get("REJECT");
        assertThat(lines.get(2)).matches("ACCEPT +" + accept[0] + " +" + accept[1]);
        assertThat(lines.get(3)).matches("REJECT +" + reject[0] + " +" + reject[1]);
        assertThat(lines.get(4)).isEqualTo("(2 rows)");
        // Columns line up: every row is as wide as the dashes under the header, numbers to the right.
        assertThat(lines.get(2).length()).isEqualTo(lines.get(1).length());
        assertThat(lines.get(3).length()).isEqualTo(lines.get(1).length());
    }

    @Test
    void printsJsonLinesWithNumbersAsNumbersAndNullAsNull() throws IOException {
        int code = run("--config", oneEngine().toString(), "--output", "json",
                "SELECT day, srcaddr, srcport, bytes, log_status FROM flow_logs ORDER BY log_status, bytes NULLS FIRST");
        assertThat(code).as(stderr()).isZero();
        List<String> lines = stdout().lines().toList();
        assertThat(lines).hasSize(records);
        ObjectMapper m = new ObjectMapper();
        JsonNode noData = m.readTree(lines.get(0));
        assertThat(noData.get("log_status").asText()).isEqualTo("NODATA");
        assertThat(noData.get("srcaddr").isNull()).isTrue();
        assertThat(noData.get("bytes").isNull()).isTrue();
        assertThat(noData.get("day").isInt()).isTrue();
        JsonNode last = m.readTree(lines.get(lines.size() - 1));
        assertThat(last.get("bytes").isIntegralNumber()).isTrue();
        assertThat(last.get("srcport").isInt()).isTrue();
        assertThat(last.get("srcaddr").isTextual()).isTrue();
        assertThat(List.copyOf((java.util.Collection<String>) iterable(last.fieldNames())))
                .containsExactly("day", "srcaddr", "srcport", "bytes", "log_status");
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> l = new ArrayList<>();
        it.forEachRemaining(l::add);
        return l;
    }

    @Test
    void printsRfc4180Csv() throws IOException {
        int code = run("--config", oneEngine().toString(), "--output", "csv",
                "SELECT 'a,\"b\"' AS quoted, 'two\nlines' AS multi, NULL AS nothing, count(*) AS n FROM flow_logs");
        assertThat(code).as(stderr()).isZero();
        assertThat(stdout()).isEqualTo("quoted,multi,nothing,n\r\n\"a,\"\"b\"\"\",\"two\nlines\",," + records + "\r\n");
    }

    @Test
    void parametersAndTheLimitApply() throws IOException {
        int code = run("--config", oneEngine().toString(), "--output", "csv", "-p", "action=REJECT",
                "SELECT count(*) FROM flow_logs WHERE action = ${action}");
        assertThat(code).as(stderr()).isZero();
        assertThat(stdout()).endsWith("\r\n" + byAction.get("REJECT")[0] + "\r\n");
        out.reset();
        code = run("--config", oneEngine().toString(), "--output", "json", "--limit", "3", "SELECT * FROM flow_logs");
        assertThat(code).as(stderr()).isZero();
        assertThat(stdout().lines()).hasSize(3);
        assertThat(stderr()).contains("stopped at --limit 3");
    }

    @Test
    void badSqlExitsOneWithTheEnginesMessage() throws IOException {
        int code = run("--config", oneEngine().toString(), "SELECT nope FROM flow_logs");
        assertThat(code).isEqualTo(1);
        assertThat(stderr()).contains("query failed").contains("nope");
        assertThat(stdout()).isEmpty();
    }

    @Test
    void theEngineIsTheOnlyOneOrDefaultOrChosen() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        String two = "    a { type = duckdb, path = \"" + data + "\" }\n    b { type = duckdb, path = \"" + empty + "\" }";
        assertThat(run("--config", conf(two).toString(), "SELECT 1")).isEqualTo(2);
        assertThat(stderr()).contains("none is named default").contains("--engine").contains("a, b");

        assertThat(run("--config", conf(two).toString(), "--engine", "b", "--output", "csv", "SELECT count(*) AS n FROM flow_logs"))
                .as(stderr()).isZero();
        assertThat(stdout()).isEqualTo("n\r\n0\r\n");

        out.reset();
        String withDefault = "    default { type = duckdb, path = \"" + data + "\" }\n    b { type = duckdb, path = \"" + empty + "\" }";
        assertThat(run("--config", conf(withDefault).toString(), "--output", "csv", "SELECT count(*) AS n FROM flow_logs"))
                .as(stderr()).isZero();
        assertThat(stdout()).isEqualTo("n\r\n" + records + "\r\n");

        assertThat(run("--config", conf(withDefault).toString(), "--engine", "athena", "SELECT 1")).isEqualTo(2);
        assertThat(stderr()).contains("no query engine 'athena'").contains("configured: b, default");
    }

    @Test
    void configProblemsExitTwoWithFileAndLine() throws IOException {
        Path c = conf("    logs { type = duckdb, threads = 0 }");
        assertThat(run("--config", c.toString(), "SELECT 1")).isEqualTo(2);
        assertThat(stderr()).contains("agent.conf:").contains("flowwatch.query-engines.logs.path")
                .contains("flowwatch.query-engines.logs.threads: expected an integer from 1 to 256, got 0");
        assertThat(run("--config", conf("").toString(), "SELECT 1")).isEqualTo(2);
        assertThat(stderr()).contains("no query engines");
        assertThat(run("--config", oneEngine().toString(), "--output", "xml", "SELECT 1")).isEqualTo(2);
    }
}
