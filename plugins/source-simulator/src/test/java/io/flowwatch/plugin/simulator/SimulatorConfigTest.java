package io.flowwatch.plugin.simulator;

import io.flowwatch.api.FlowwatchException;
import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.testkit.MutableClock;
import io.flowwatch.testkit.TestPluginContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SimulatorConfigTest {

    @TempDir
    Path state;

    static SimulatorConfig read(String hocon) {
        return SimulatorConfig.read(Sim.config(hocon), "flowwatch.sources.sim");
    }

    static List<FlowwatchException.Problem> problems(String hocon) {
        try {
            read(hocon);
        } catch (FlowwatchException e) {
            return e.problems();
        }
        throw new AssertionError("expected config problems");
    }

    @Test
    void theReferenceDefaultsDescribeALiveDemoFeed() {
        SimulatorConfig c = read("");
        assertThat(c.seed()).isEqualTo(1);
        assertThat(c.rate()).isEqualTo(2000);
        assertThat(c.start()).isNull(); // now
        assertThat(c.realtime()).isTrue();
        assertThat(c.speed()).isEqualTo(1);
        assertThat(c.limit()).isZero();
        assertThat(c.batchSize()).isEqualTo(2000);
        assertThat(c.format()).isEqualTo(FlowFormat.DEFAULT);
        assertThat(c.accountId()).isEqualTo("123456789012");
        assertThat(c.interfaces()).isEqualTo(300);
        assertThat(c.peers()).isEqualTo(3000);
        SimulatorConfig.Scenarios s = c.scenarios();
        assertThat(s.sshBruteForce().window().enabled()).isTrue();
        assertThat(s.portScan().window().enabled()).isTrue();
        assertThat(s.exfiltration().window().enabled()).isTrue();
        // staggered within the first minutes
        assertThat(List.of(s.sshBruteForce().window().at(), s.portScan().window().at(), s.exfiltration().window().at()))
                .isSorted().allMatch(d -> d.compareTo(Duration.ofMinutes(5)) < 0);
        assertThat(s.sshBruteForce().attacker()).isEqualTo("185.220.101.7");
    }

    @Test
    void explicitSettingsAreRead() {
        SimulatorConfig c = read("seed = -5, rate = 0.5, start = \"2024-05-01T10:00:00Z\", realtime = false, speed = 2.5, "
                + "limit = 10, batch-size = 7, account-id = 210987654321, region = ap-southeast-2, interfaces = 5, peers = 10, "
                + "format = \"${srcaddr} ${dstaddr}\", scenarios.ssh-brute-force { attacker = \"192.0.2.1\", targets = 5, rate = 0.25 }");
        assertThat(c.seed()).isEqualTo(-5);
        assertThat(c.rate()).isEqualTo(0.5);
        assertThat(c.start()).isEqualTo(Instant.parse("2024-05-01T10:00:00Z"));
        assertThat(c.realtime()).isFalse();
        assertThat(c.speed()).isEqualTo(2.5);
        assertThat(c.limit()).isEqualTo(10);
        assertThat(c.batchSize()).isEqualTo(7);
        assertThat(c.accountId()).isEqualTo("210987654321");
        assertThat(c.region()).isEqualTo("ap-southeast-2");
        assertThat(c.format()).isEqualTo(FlowFormat.parse("${srcaddr} ${dstaddr}"));
        assertThat(c.scenarios().sshBruteForce().targets()).isEqualTo(5);
        assertThat(c.scenarios().sshBruteForce().attacker()).isEqualTo("192.0.2.1");
        assertThat(Network.azPrefix(c.region())).isEqualTo("apse2");
        assertThat(Network.azPrefix("us-east-1")).isEqualTo("use1");
        assertThat(Network.azPrefix("us-gov-west-1")).isEqualTo("usgw1");
    }

    @Test
    void everyProblemIsReportedAtOnceNamingItsKey() {
        List<FlowwatchException.Problem> p = problems("""
                rate = -5
                speed = 0
                limit = -1
                batch-size = 0
                start = yesterday
                format = "srcaddr dstaddr"
                account-id = 12
                region = Mars
                interfaces = 2
                peers = lots
                reate = 5
                scenarios {
                  ssh-brute-force { rate = fast, attacker = "10.0.0.300", targets = 11 }
                  port-scan { at = soon, repeat = 1s, scanner = scanner.example.com }
                  exfiltration { enabled = maybe, duration = 0s }
                  dos { enabled = true }
                }
                """);
        assertThat(p).extracting(FlowwatchException.Problem::key).containsExactlyInAnyOrder(
                "flowwatch.sources.sim.reate",
                "flowwatch.sources.sim.rate",
                "flowwatch.sources.sim.speed",
                "flowwatch.sources.sim.limit",
                "flowwatch.sources.sim.batch-size",
                "flowwatch.sources.sim.start",
                "flowwatch.sources.sim.format",
                "flowwatch.sources.sim.account-id",
                "flowwatch.sources.sim.region",
                "flowwatch.sources.sim.interfaces",
                "flowwatch.sources.sim.peers",
                "flowwatch.sources.sim.scenarios.dos",
                "flowwatch.sources.sim.scenarios.ssh-brute-force.rate",
                "flowwatch.sources.sim.scenarios.ssh-brute-force.attacker",
                "flowwatch.sources.sim.scenarios.ssh-brute-force.targets",
                "flowwatch.sources.sim.scenarios.port-scan.at",
                "flowwatch.sources.sim.scenarios.port-scan.repeat",
                "flowwatch.sources.sim.scenarios.port-scan.scanner",
                "flowwatch.sources.sim.scenarios.exfiltration.enabled",
                "flowwatch.sources.sim.scenarios.exfiltration.duration");
        assertThat(p).allSatisfy(problem -> assertThat(problem.origin()).startsWith("String"));
        assertThat(p).filteredOn(x -> x.key().endsWith(".reate")).singleElement()
                .satisfies(x -> assertThat(x.message()).contains("unknown key").contains("rate"));
        assertThat(p).filteredOn(x -> x.key().endsWith("sim.rate")).singleElement()
                .satisfies(x -> assertThat(x.message()).contains("greater than 0").contains("-5"));
        assertThat(p).filteredOn(x -> x.key().endsWith("ssh-brute-force.rate")).singleElement()
                .satisfies(x -> assertThat(x.message()).contains("a number").contains("fast"));
        assertThat(p).filteredOn(x -> x.key().endsWith("sim.format")).singleElement()
                .satisfies(x -> assertThat(x.message()).contains("${field-name}"));
    }

    @Test
    void aScenarioCannotAttackMoreHostsThanExist() {
        assertThat(problems("interfaces = 5, scenarios.ssh-brute-force.targets = 6"))
                .extracting(FlowwatchException.Problem::key, FlowwatchException.Problem::message)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("flowwatch.sources.sim.scenarios.ssh-brute-force.targets",
                        "expected at most interfaces (5), got 6"));
    }

    @Test
    void scenariosMustBeBlocks() {
        assertThat(problems("scenarios = 5")).extracting(FlowwatchException.Problem::key, FlowwatchException.Problem::message)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("flowwatch.sources.sim.scenarios", "expected an object { ... }, got number"));
        assertThat(problems("scenarios.port-scan = off")).extracting(FlowwatchException.Problem::key)
                .containsExactly("flowwatch.sources.sim.scenarios.port-scan");
    }

    @Test
    void theFactoryOnlyReadsConfigAndTheSourceBuildsOnOpen() throws IOException {
        TestPluginContext ctx = new TestPluginContext("sim", new MutableClock(Sim.T0), state);
        SimulatorSourceFactory factory = new SimulatorSourceFactory();
        assertThat(factory.type()).isEqualTo("simulator");
        assertThat(factory.secretKeys()).isEmpty();
        SimulatorSource source = (SimulatorSource) factory.create(Sim.config("limit = 5"), ctx);
        assertThat(source.config().limit()).isEqualTo(5);
        try (var files = Files.list(state)) {
            assertThat(files).isEmpty();
        }
        assertThatThrownBy(() -> source.poll(Duration.ZERO)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> factory.create(Sim.config("rate = 0"), ctx)).isInstanceOf(FlowwatchException.class)
                .hasMessageContaining("flowwatch.sources.sim.rate");
    }

    @Test
    void thePf4jIndexBesideTheClassesListsTheFactory() throws Exception {
        // the index in the plugin's own classes (test compilation writes an empty one of its own)
        Path classes = Path.of(SimulatorSourceFactory.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertThat(Files.readAllLines(classes.resolve("META-INF/extensions.idx"), StandardCharsets.UTF_8))
                .contains(SimulatorSourceFactory.class.getName());
        assertThat(classes.resolve("reference.conf")).exists();
    }
}
