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
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class NotifyTestCommandTest {

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

    Path conf(String alertsPath) throws IOException {
        Path p = dir.resolve("agent.conf");
        Files.writeString(p, """
                flowwatch {
                  plugins-dir = "%s"
                  notifiers { alerts { type = file, path = "%s" } }
                }
                """.formatted(TestPlugins.dir(), alertsPath));
        return p;
    }

    @Test
    void sendsASampleFiringAndResolvedAlertAndSaysItWasDelivered() throws IOException {
        Path alerts = dir.resolve("alerts.jsonl");
        int code = FlowwatchCommand.commandLine().execute("notify-test", "--config", conf(alerts.toString()).toString(), "--resolved", "alerts");
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("alerts: firing test alert notify-test-").contains(": delivered");
        List<String> lines = Files.readAllLines(alerts);
        assertThat(lines).hasSize(2);
        JsonNode first = new ObjectMapper().readTree(lines.get(0));
        assertThat(first.get("rule").asText()).isEqualTo("flowwatch-notify-test");
        assertThat(first.get("samples").get(0).get("dstport").asInt()).isEqualTo(22);
        assertThat(new ObjectMapper().readTree(lines.get(1)).get("state").asText()).isEqualTo("resolved");
    }

    @Test
    void aReceiverThatFailsIsReportedAndExitsOne() throws IOException {
        Files.createDirectories(dir.resolve("blocked"));
        // The "file" is a directory: every append fails, which the file notifier reports as retryable.
        int code = FlowwatchCommand.commandLine().execute("notify-test", "--config", conf(dir.resolve("blocked").toString()).toString(), "alerts");
        assertThat(code).isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("alerts: firing test alert").contains("not delivered, would be retried");
    }

    @Test
    void anUnknownNotifierListsTheConfiguredOnes() throws IOException {
        int code = FlowwatchCommand.commandLine().execute("notify-test", "--config", conf("x").toString(), "pager");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("no notifier 'pager'").contains("configured: alerts");
    }
}
