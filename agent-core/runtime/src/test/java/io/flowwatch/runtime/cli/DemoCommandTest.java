package io.flowwatch.runtime.cli;

import io.flowwatch.runtime.TestPlugins;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo over the example rules: every injected attack is reported, and nothing else is. Runs
 * the simulator as fast as it goes over about eight simulated minutes, which hold all three attacks.
 */
class DemoCommandTest {

    /** The simulator's injected actors: attackers, the exfiltrating host and its destination. */
    static final List<String> ACTORS = List.of("185.220.101.7", "198.51.100.23", "10.0.64.4", "203.0.113.77");

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
    void reportsEveryInjectedAttackAndNothingForNormalTraffic() {
        int code = FlowwatchCommand.commandLine().execute("demo", "--records", "1000000", "--port", "0",
                "--plugins-dir", TestPlugins.dir().toString(), "--rules", ExampleRulesTest.CONF.resolve("rules.d") + "/*.conf");
        String alerts = out.toString(StandardCharsets.UTF_8);
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        List<String> firing = alerts.lines().filter(l -> l.startsWith("FIRING")).toList();
        assertThat(firing).anySatisfy(l -> assertThat(l).contains("ssh-rdp-brute-force {srcaddr=185.220.101.7}"))
                .anySatisfy(l -> assertThat(l).contains("port-scan {srcaddr=198.51.100.23}"))
                .anySatisfy(l -> assertThat(l).contains("exfiltration-spike {srcaddr=10.0.64.4}"))
                .anySatisfy(l -> assertThat(l).contains("threat-list {srcaddr=185.220.101.7}"))
                .anySatisfy(l -> assertThat(l).contains("threat-list {dstaddr=203.0.113.77}"))
                .anySatisfy(l -> assertThat(l).contains("ssh-rejects {}"));
        assertThat(firing).as("alerts about anyone but the injected actors").allSatisfy(l -> {
            String labels = l.substring(l.indexOf('{'), l.indexOf('}') + 1);
            assertThat(labels.equals("{}") || ACTORS.stream().anyMatch(labels::contains)).as(l).isTrue();
        });
    }
}
