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
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The shipped example rules (conf/rules.d) validate, and their unit tests (conf/tests) pass. */
class ExampleRulesTest {

    static final Path CONF = Paths.get("../../conf").toAbsolutePath().normalize();

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

    @Test
    void theExampleRuleTestsPass() throws IOException {
        List<String> args = new ArrayList<>(List.of("test-rules", "--plugins-dir", TestPlugins.dir().toString()));
        try (Stream<Path> files = Files.list(CONF.resolve("tests"))) {
            files.filter(p -> p.toString().endsWith(".conf")).sorted().forEach(p -> args.add(p.toString()));
        }
        int code = FlowwatchCommand.commandLine().execute(args.toArray(String[]::new));
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(code).as(text + err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(text).contains(" 0 failed").doesNotContain("FAIL");
    }

    @Test
    void everyExampleRuleHasATest() throws IOException {
        StringBuilder tests = new StringBuilder();
        try (Stream<Path> files = Files.list(CONF.resolve("tests"))) {
            for (Path p : files.toList()) {
                tests.append(Files.readString(p));
            }
        }
        try (Stream<Path> files = Files.list(CONF.resolve("rules.d"))) {
            for (Path p : files.filter(f -> f.toString().endsWith(".conf")).toList()) {
                for (String line : Files.readAllLines(p)) {
                    String t = line.strip();
                    if (t.startsWith("{ name = ")) {
                        String name = t.substring(9, t.indexOf(','));
                        assertThat(tests.toString()).as("a test in conf/tests for rule %s of %s", name, p.getFileName())
                                .contains("rule = " + name);
                    }
                }
            }
        }
    }

    @Test
    void theExampleRulesValidateWithTheExampleAgentConfig(@TempDir Path dir) throws IOException {
        // The shipped agent.conf, with paths a test may write.
        String conf = Files.readString(CONF.resolve("agent.conf"))
                .replace("state-dir = /var/lib/flowwatch", "state-dir = \"" + dir.resolve("state") + "\"")
                .replace("# plugins-dir = /usr/share/flowwatch/plugins", "plugins-dir = \"" + TestPlugins.dir() + "\"")
                .replace("rules = [\"rules.d/*.conf\"]", "rules = [\"" + CONF.resolve("rules.d") + "/*.conf\"]");
        Path agent = dir.resolve("agent.conf");
        Files.writeString(agent, conf);
        int code = FlowwatchCommand.commandLine().execute("validate", "--config", agent.toString());
        assertThat(code).as(out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8)).isZero();
    }
}
