package io.flowwatch.plugin.rules.cel;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static io.flowwatch.plugin.rules.cel.Records.flow;
import static io.flowwatch.plugin.rules.cel.Records.line;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/** Which expressions take the fast path, and that the rest still run on CEL. */
class NativeConditionTest {

    /** The {@code where} of every example rule in conf/rules.d, copied. */
    static final List<String> EXAMPLE_WHERES = List.of(
            "action == 'REJECT' && protocol == 6 && (dstport == 22 || dstport == 3389)",
            "action == 'ACCEPT' && is_private(srcaddr) && !is_private(dstaddr)",
            "action == 'ACCEPT' && is_private(srcaddr) && !is_private(dstaddr) && bytes > 1000000",
            "action == 'REJECT'",
            "action == 'REJECT' && !is_private(srcaddr)");

    private static final FlowRecord NO_PORT =
            line("2 123456789010 eni-1 203.0.113.12 172.31.16.139 - - 1 1 84 1418530010 1418530070 REJECT OK");
    private static final FlowRecord NODATA = line("2 123456789010 eni-1 - - - - - - - 1418530010 1418530070 - NODATA");
    private static final FlowRecord[] SAMPLES = {
        flow("203.0.113.12", "172.31.16.139", 22, 6, "REJECT"),
        flow("203.0.113.12", "172.31.16.139", 3389, 17, "REJECT"),
        flow("10.0.1.7", "198.51.100.9", 443, 6, "ACCEPT"),
        line("2 123456789010 eni-1 10.0.1.7 198.51.100.9 49761 443 6 900 5000000 1418530010 1418530070 ACCEPT OK"),
        flow("2001:db8::7", "fd00::1", 22, 6, "REJECT"),
        NO_PORT, NODATA,
    };

    @Test
    void everyExampleRuleWhereCompilesNativelyAndAgreesWithCel() {
        for (String where : EXAMPLE_WHERES) {
            CelCondition fast = CelCondition.compile(where);
            CelCondition cel = CelCondition.compile(where, null, false);
            assertThat(fast.compiledNatively()).as(where).isTrue();
            for (FlowRecord r : SAMPLES) {
                assertThat(fast.test(r)).as("%s on %s", where, r.toLine()).isEqualTo(cel.test(r));
            }
        }
    }

    @Test
    void exampleRulesWithWhereInConfRulesDAreTheOnesCopiedHere() throws IOException {
        Path dir = Path.of("../../conf/rules.d");
        assumeThat(Files.isDirectory(dir)).as("run from the module directory").isTrue();
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".conf")).sorted().toList()) {
                for (Config rule : ConfigFactory.parseFile(f.toFile()).getConfigList("rules")) {
                    if (rule.hasPath("where")) {
                        found.add(rule.getString("where"));
                    }
                }
            }
        }
        assertThat(found).isNotEmpty();
        assertThat(EXAMPLE_WHERES).containsAll(found);
    }

    @Test
    void examplesMatchWhatTheyDescribe() {
        CelCondition bruteForce = CelCondition.compile(EXAMPLE_WHERES.get(0));
        assertThat(bruteForce.test(SAMPLES[0])).isTrue();
        assertThat(bruteForce.test(SAMPLES[1])).isFalse();
        assertThat(bruteForce.test(NO_PORT)).isFalse();
        CelCondition exfiltration = CelCondition.compile(EXAMPLE_WHERES.get(2));
        assertThat(exfiltration.test(SAMPLES[2])).isFalse();
        assertThat(exfiltration.test(SAMPLES[3])).isTrue();
        CelCondition hostSweep = CelCondition.compile(EXAMPLE_WHERES.get(4));
        assertThat(hostSweep.test(SAMPLES[0])).isTrue();
        assertThat(hostSweep.test(NODATA)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "size(srcaddr) > 3",
        "srcaddr.matches('^203\\\\.')",
        "srcport + dstport > 100",
        "in_cidr(srcaddr, dstaddr + '/8')",
        "tcp_flag(protocol, action)",
        "end - start >= 60",
        "action == 'REJECT' ? dstport == 22 : false",
        "dstport in [22, srcport]",
        "(dstport == 22) == true",
    })
    void expressionsOutsideTheSubsetRunOnCel(String expression) {
        CelCondition c = CelCondition.compile(expression);
        assertThat(c.compiledNatively()).isFalse();
        CelCondition cel = CelCondition.compile(expression, null, false);
        for (FlowRecord r : SAMPLES) {
            assertThat(c.test(r)).isEqualTo(cel.test(r));
        }
    }

    @Test
    void unsupportedExpressionsStillEvaluate() {
        FlowRecord ssh = SAMPLES[0];
        assertThat(CelCondition.compile("size(srcaddr) > 3").test(ssh)).isTrue();
        assertThat(CelCondition.compile("size(srcaddr) > 30").test(ssh)).isFalse();
        assertThat(CelCondition.compile("srcaddr.matches('^203\\\\.')").test(ssh)).isTrue();
        assertThat(CelCondition.compile("srcaddr.matches('^10\\\\.')").test(ssh)).isFalse();
        assertThat(CelCondition.compile("size(srcaddr) > 3 || action == 'REJECT'").test(NODATA)).isFalse();
    }

    @Test
    void fastPathFollowsFormatChanges() {
        CelCondition c = CelCondition.compile("dstport == 22 && !has_field('srcport')");
        assertThat(c.compiledNatively()).isTrue();
        assertThat(c.test(line(FlowFormat.parse("${dstport}"), "22"))).isTrue();
        assertThat(c.test(line(FlowFormat.parse("${srcport} ${dstport}"), "22 22"))).isFalse();
        assertThat(c.test(line(FlowFormat.parse("${srcport} ${dstport}"), "- 22"))).isTrue();
        assertThat(c.test(line(FlowFormat.parse("${srcport}"), "-"))).isFalse();
    }

    @Test
    void addressMemoNeverAnswersForADifferentAddress() {
        CelCondition c = CelCondition.compile("is_private(srcaddr)");
        FlowFormat f = FlowFormat.parse("${srcaddr}");
        String shared = "10.0.0.1";
        for (int i = 0; i < 2000; i++) {
            // Distinct instances fill and evict slots; the shared one is looked up again and again.
            String other = "8.8." + (i % 256) + "." + (i / 256);
            assertThat(c.test(FlowRecord.builder(f).set(0, other).build())).as(other).isFalse();
            assertThat(c.test(FlowRecord.builder(f).set(0, shared).build())).isTrue();
            assertThat(c.test(FlowRecord.builder(f).set(0, "10.0.0." + (i % 256)).build())).isTrue();
        }
    }

    @Test
    void stringComparisonMemoFollowsEveryChangeOfValue() {
        CelCondition c = CelCondition.compile("action == 'REJECT' && log_status != 'NODATA'");
        assertThat(c.compiledNatively()).isTrue();
        FlowFormat f = FlowFormat.parse("${action} ${log-status}");
        String reject = "REJECT";
        for (int i = 0; i < 50; i++) {
            // The same instance again, an equal but distinct instance, then a different value.
            assertThat(c.test(FlowRecord.builder(f).set(0, reject).set(1, "OK").build())).isTrue();
            assertThat(c.test(FlowRecord.builder(f).set(0, new String(reject)).set(1, "OK").build())).isTrue();
            assertThat(c.test(FlowRecord.builder(f).set(0, "ACCEPT").set(1, "OK").build())).isFalse();
            assertThat(c.test(FlowRecord.builder(f).set(0, reject).set(1, "NODATA").build())).isFalse();
            assertThat(c.test(FlowRecord.builder(f).set(0, reject).set(1, null).build())).isFalse();
        }
    }
}
