package io.flowwatch.runtime.cli;

import io.flowwatch.runtime.TestPlugins;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ValidateCommandTest {

    @TempDir
    Path dir;

    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream oldOut;
    PrintStream oldErr;

    @BeforeEach
    void capture() {
        oldOut = System.out;
        oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(oldOut);
        System.setErr(oldErr);
    }

    Path conf(String body) throws IOException {
        Path p = dir.resolve("agent.conf");
        Files.writeString(p, "flowwatch {\n  plugins-dir = \"" + TestPlugins.dir().toAbsolutePath() + "\"\n" + body + "}\n");
        return p;
    }

    @Test
    void aValidConfigExitsZero() throws IOException {
        Files.writeString(dir.resolve("r.conf"), "rules = [ { name = a, type = frequency, group-by = [srcaddr], notify = [c] } ]\n");
        Path p = conf("""
                  rules = ["r.conf"]
                  sources { local { type = directory, path = "/tmp" } }
                  notifiers { c { type = console } }
                """);
        int code = FlowwatchCommand.commandLine().execute("validate", "--config", p.toString());
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(code).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("OK (1 sources, 1 rules, 1 notifiers)");
    }

    @Test
    void everyProblemIsPrintedAsFileLineKeyExpectedAndExitIsTwo() throws IOException {
        Files.writeString(dir.resolve("r.conf"), """
                rules = [
                  { name = a, type = frequency, window = soon, threshold = -1 }
                  { name = b, type = nosuch }
                ]
                """);
        Path p = conf("""
                  rules = ["r.conf"]
                  http.port = 99999
                  sources { k { type = kafka } }
                  notifiers { c { type = console, style = fancy } }
                """);
        int code = FlowwatchCommand.commandLine().execute("validate", "--config", p.toString());
        assertThat(code).isEqualTo(2);
        String e = err.toString(StandardCharsets.UTF_8);
        Path r = dir.resolve("r.conf");
        assertThat(e).contains(
                p + ":4: flowwatch.http.port: expected an integer from 0 to 65535, got 99999",
                p + ":5: flowwatch.sources.k.type: expected one of the sources types the loaded plugins provide (cloudwatch-logs, directory, s3, simulator), got 'kafka'",
                p + ":6: flowwatch.notifiers.c.style: expected one of json, text, got 'fancy'",
                r + ":2: rules[a].window: expected a duration such as 30s, 5m or 1h, got \"soon\"",
                r + ":2: rules[a].threshold: expected an integer from 1 to 9223372036854775807, got -1",
                r + ":3: rules[b].type: expected one of the rules types the loaded plugins provide (cardinality, frequency, ip-list, metric-filter, new-value, query, spike), got 'nosuch'",
                "6 problems found.");
    }

    @Test
    void aQueryRuleWhoseSqlTheEngineRefusesIsALocatedProblem() throws IOException {
        Files.createDirectories(dir.resolve("logs"));
        Files.writeString(dir.resolve("q.conf"), """
                rules = [
                  { name = top, type = query, engine = local, schedule = 1h
                    sql = "SELECT srcadr, count(*) FROM flow_logs WHERE start >= ${window_start} AND start < ${window_end} GROUP BY 1"
                    notify = [c] }
                  { name = typo, type = query, engine = local
                    sql = "SELECT 1 FROM flow_logs WHERE start >= ${window_begin} AND start < ${window_end}" }
                ]
                """);
        Path p = conf("""
                  rules = ["q.conf"]
                  query-engines { local { type = duckdb, path = "%s" } }
                  notifiers { c { type = console } }
                """.formatted(dir.resolve("logs")));
        int code = FlowwatchCommand.commandLine().execute("validate", "--config", p.toString());
        String e = err.toString(StandardCharsets.UTF_8);
        assertThat(code).isEqualTo(2);
        assertThat(e).contains(dir.resolve("q.conf") + ":3: rules[top].sql: expected a query engine local accepts:")
                .contains("srcadr")
                .contains(dir.resolve("q.conf") + ":6: rules[typo].sql: expected a query engine local accepts: unknown parameter ${window_begin}");
    }
}
