package io.flowwatch.plugin.rules.cel;

import io.flowwatch.api.record.FlowRecord;
import org.junit.jupiter.api.Test;

import static io.flowwatch.plugin.rules.cel.Records.flow;
import static io.flowwatch.plugin.rules.cel.Records.line;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A rough throughput print, not a benchmark (JMH is the tool for that) and not an assertion on
 * speed: it shows the order of magnitude per expression shape when the suite runs.
 */
class CelConditionThroughputTest {

    private static final int RECORDS = 400_000;

    @Test
    void printsRoughRecordsPerSecond() {
        FlowRecord[] records = {
            flow("203.0.113.12", "172.31.16.139", 22, 6, "REJECT"),
            flow("10.0.1.7", "172.31.16.139", 443, 6, "ACCEPT"),
            flow("2001:db8::7", "172.31.16.139", 22, 17, "REJECT"),
            line("2 123456789010 eni-1 203.0.113.12 172.31.16.139 - - 1 1 84 1418530010 1418530070 REJECT OK"),
        };
        FlowRecord[] allPresent = {records[0], records[1], records[2], records[1]};
        long matches = 0;
        matches += run("action == 'REJECT' && dstport == 22 && protocol == 6", allPresent);
        matches += run("action == 'REJECT' && dstport == 22 && protocol == 6", records);
        matches += run("in_cidr(srcaddr, '10.0.0.0/8') || is_private(dstaddr)", records);
        matches += run("tcp_flag(16, 'ACK') && bytes > 1000 && srcaddr.startsWith('203.')", records);
        assertThat(matches).isPositive();
    }

    /** The example rules' {@code where}s, on the fast path and (for comparison) on CEL's runtime. */
    @Test
    void printsRoughRecordsPerSecondForTheExampleRules() {
        FlowRecord[] records = {
            flow("203.0.113.12", "172.31.16.139", 22, 6, "REJECT"),
            line("2 123456789010 eni-1 10.0.1.7 198.51.100.9 49761 443 6 900 5000000 1418530010 1418530070 ACCEPT OK"),
            flow("172.31.16.139", "10.0.0.8", 3389, 6, "REJECT"),
            line("2 123456789010 eni-1 203.0.113.12 172.31.16.139 - - 1 1 84 1418530010 1418530070 REJECT OK"),
        };
        long matches = 0;
        for (String where : NativeConditionTest.EXAMPLE_WHERES) {
            matches += run(where, records, true);
            matches += run(where, records, false);
        }
        assertThat(matches).isPositive();
    }

    private static long run(String expression, FlowRecord[] records) {
        return run(expression, records, true);
    }

    private static long run(String expression, FlowRecord[] records, boolean allowNative) {
        boolean someAbsent = !records[3].has(io.flowwatch.api.record.FlowField.DSTPORT);
        CelCondition c = CelCondition.compile(expression, null, allowNative);
        long matches = 0;
        for (int i = 0; i < RECORDS; i++) { // warm-up
            matches += c.test(records[i & 3]) ? 1 : 0;
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < RECORDS; i++) {
            matches += c.test(records[i & 3]) ? 1 : 0;
        }
        long nanos = System.nanoTime() - t0;
        System.out.printf("%-6s where %-86s %,12.0f records/s (%s)%n", c.compiledNatively() ? "native" : "CEL",
                "`" + expression + "`",
                RECORDS / (nanos / 1e9), someAbsent ? "1 in 4 records lacks ports" : "all fields present");
        assertThat(c.errorCount()).isZero();
        return matches;
    }
}
