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

class TestRulesCommandTest {

    @TempDir
    Path dir;

    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream oldOut;
    PrintStream oldErr;

    @BeforeEach
    void capture() throws IOException {
        oldOut = System.out;
        oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        Files.writeString(dir.resolve("rules.conf"), """
                rules = [
                  { name = ssh-brute-force, type = frequency, severity = high
                    match { action = REJECT, dstport = 22 }
                    group-by = [srcaddr], window = 5m, threshold = 100, notify = [ops] }
                ]
                """);
    }

    @AfterEach
    void restore() {
        System.setOut(oldOut);
        System.setErr(oldErr);
    }

    int run(String testFile) throws IOException {
        Path f = dir.resolve("t.conf");
        Files.writeString(f, testFile);
        return FlowwatchCommand.commandLine().execute("test-rules", "--plugins-dir", TestPlugins.dir().toString(), f.toString());
    }

    static final String ATTACK = """
            rule-files = ["rules.conf"]
            tests = [
              { name = "ssh brute force fires, then resolves"
                input = [
                  "2 123456789012 eni-0a1 10.0.1.5 52.95.128.179 50000 443 6 10 5000 1764000000 1764000030 ACCEPT OK"
                ]
                series = [
                  { line = "2 123456789012 eni-0a1 185.220.101.7 10.0.3.7 {40000+i} 22 6 1 60 {t} {t+1} REJECT OK"
                    start = "2025-11-24T16:00:00Z", every = 1s, count = %d }
                  { line = "2 123456789012 eni-0a1 10.0.1.5 52.95.128.179 {50000+i} 443 6 10 5000 {t} {t+30} ACCEPT OK"
                    start = "2025-11-24T16:05:00Z", every = 60s, count = 10 }
                ]
                alerts-at = [
                  { at = "2025-11-24T16:04:59Z", alerts = [] }
                  { at = "2025-11-24T16:05:00Z"
                    alerts = [ { rule = ssh-brute-force, state = firing, labels { srcaddr = "185.220.101.7" }, value = 150 } ] }
                  { at = "2025-11-24T16:10:00Z"
                    alerts = [ { rule = ssh-brute-force, state = resolved, labels { srcaddr = "185.220.101.7" } } ] }
                  { at = end, alerts = [] }
                ]
              }
            ]
            """;

    @Test
    void passingTestsExitZero() throws IOException {
        int code = run(ATTACK.formatted(150));
        assertThat(out.toString(StandardCharsets.UTF_8)).as(err.toString(StandardCharsets.UTF_8))
                .contains("  ok    ssh brute force fires, then resolves").contains("1 tests, 1 passed, 0 failed");
        assertThat(code).isZero();
    }

    @Test
    void aFailingTestPrintsWhatWasExpectedAndWhatCameAndExitsOne() throws IOException {
        int code = run(ATTACK.formatted(99)); // one short of the threshold: nothing fires
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(code).isEqualTo(1);
        assertThat(text).contains("  FAIL  ssh brute force fires, then resolves")
                .contains("at 2025-11-24T16:05:00Z [1764000300] (")
                .contains("  - expected   ssh-brute-force firing {srcaddr=185.220.101.7} value 150")
                .contains("1 tests, 0 passed, 1 failed");
    }

    @Test
    void wrongValueShowsBothSides() throws IOException {
        int code = run(ATTACK.formatted(151));
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(code).isEqualTo(1);
        assertThat(text).contains("  - expected   ssh-brute-force firing {srcaddr=185.220.101.7} value 150")
                .contains("  + got        ssh-brute-force firing {srcaddr=185.220.101.7} value 151");
    }

    @Test
    void aBadTestFileIsALocatedErrorAndExitsTwo() throws IOException {
        int code = run("""
                rule-files = ["rules.conf", "missing.conf"]
                tests = [ { name = x, input = ["2 1 eni-1 1.2.3.4 5.6.7.8 1 2 6 1 1 1764000000 1764000001 ACCEPT OK"]
                            alerts-at = [ { at = "yesterday", alerts = [] } ] } ]
                """);
        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("t.conf:3: tests[0].alerts-at[0].at: expected a time: epoch seconds or an ISO-8601 instant");
    }

    @Test
    void aMissingRuleFileIsNamed() throws IOException {
        int code = run("""
                rule-files = ["missing.conf"]
                tests = [ { name = x, input = ["2 1 eni-1 1.2.3.4 5.6.7.8 1 2 6 1 1 1764000000 1764000001 ACCEPT OK"]
                            alerts-at = [ { at = end, alerts = [] } ] } ]
                """);
        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("missing.conf: no such file");
    }

    @Test
    void aBadInputLineFailsTheTestWithItsOrigin() throws IOException {
        int code = run("""
                rule-files = ["rules.conf"]
                tests = [ { name = garbage, input = ["this is not a flow log record"]
                            alerts-at = [ { at = end, alerts = [] } ] } ]
                """);
        assertThat(code).isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("t.conf:2: input line is not a record");
    }
}
