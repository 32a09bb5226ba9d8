package io.flowwatch.plugin.rules.pattern;

import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Patterns x lines with the results AWS documents (CloudWatch Logs user guide, Filter and Pattern
 * Syntax; VPC flow logs metric-filter tutorial). Every VPC row is checked both on the record
 * and on its text line, which must agree.
 */
class FilterPatternTest {

    // Default-format (version 2) records, from the VPC user guide's examples and alike.
    static final String SSH_ACCEPT = "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK";
    static final String RDP_REJECT = "2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK";
    static final String SSH_REJECT = "2 123456789010 eni-1235b8ca123456789 203.0.113.12 172.31.16.139 0 22 6 1 40 1418530010 1418530070 REJECT OK";
    static final String NODATA = "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA";
    static final String HTTPS = "2 123456789010 eni-1235b8ca123456789 10.0.2.7 10.0.1.5 443 51234 6 10 8400 1418530010 1418530070 ACCEPT OK";
    static final String ICMP = "2 123456789010 eni-1235b8ca123456789 10.0.0.55 10.0.0.1 0 0 1 4 336 1418530010 1418530070 ACCEPT OK";

    static final List<String> ALL = List.of(SSH_ACCEPT, RDP_REJECT, SSH_REJECT, NODATA, HTTPS, ICMP);

    static final String TUTORIAL = "[version, account, eni, source, destination, srcport, destport=\"22\", protocol=\"6\", "
            + "packets, bytes, windowstart, windowend, action=\"REJECT\", flowlogstatus]";

    /** pattern, then the lines of ALL it must match (every other line must not match). */
    static Stream<Arguments> vpcTable() {
        return Stream.of(
                // The VPC tutorial's rejected-SSH metric filter.
                row(TUTORIAL, SSH_REJECT),
                row("[version, account, eni, source, destination, srcport, destport=22, protocol=6, packets, bytes, "
                        + "windowstart, windowend, action=REJECT, flowlogstatus]", SSH_REJECT),
                // Field count must match exactly without '...'.
                row("[v, a, e, s, d, sp, dp, p, pk, b, st, en, ac, ls]", ALL.toArray(String[]::new)),
                row("[v, a, e, s, d, sp, dp, p, pk, b, st, en, ac]"),
                row("[v, a, e, s, d, sp, dp, p, pk, b, st, en, ac, ls, extra]"),
                // '...' at the start, the middle and the end.
                row("[...]", ALL.toArray(String[]::new)),
                row("[..., action=REJECT, flowlogstatus]", RDP_REJECT, SSH_REJECT),
                row("[version, account, ...]", ALL.toArray(String[]::new)),
                row("[version=2, ...]", ALL.toArray(String[]::new)),
                row("[version=3, ...]"),
                row("[v, a, e, src, dst, ..., action=ACCEPT, status]", SSH_ACCEPT, HTTPS, ICMP),
                row("[..., status=NODATA]", NODATA),
                row("[..., action=REJECT,]", RDP_REJECT, SSH_REJECT),
                // || and && inside one field.
                row("[..., destport=22 || destport=3389, protocol, packets, bytes, start, end, action, status]",
                        SSH_ACCEPT, RDP_REJECT, SSH_REJECT),
                row("[v, a, e, s, d, sp, dp, p, packets, bytes>=100 && bytes<1000, ...]", ICMP),
                row("[v, a, e, s, d, sp, dp = 22 || dp = 3389 && dp != 3389, ...]", SSH_ACCEPT, SSH_REJECT),
                // Wildcards: suffix, prefix, infix, whole.
                row("[v, a, e, srcaddr=172.31.*, ...]", SSH_ACCEPT, RDP_REJECT),
                row("[..., action=REJ*, status]", RDP_REJECT, SSH_REJECT),
                row("[..., action=*EPT, status]", SSH_ACCEPT, HTTPS, ICMP),
                row("[v, a, eni=eni-*ca*789, ...]", ALL.toArray(String[]::new)),
                row("[v, a, e, s, d, sp, dp=3*, ...]", RDP_REJECT),
                row("[v, a, e, s, d, sp, dp=*, ...]", ALL.toArray(String[]::new)),
                row("[v, a, e, s, d, sp, dp!=2*, ...]", RDP_REJECT, NODATA, HTTPS, ICMP),
                // String (in)equality; '-' is the text of an absent value.
                row("[..., action!=ACCEPT, status]", RDP_REJECT, SSH_REJECT, NODATA),
                row("[..., action=\"-\", status]", NODATA),
                row("[v, a, e, s, d, sp=\"-\", ...]", NODATA),
                row("[..., action=reject, status]"),
                // Numbers: '=' is numeric for a number value; comparisons never match a non-number.
                row("[v, a, e, s, d, sp, dp=022, ...]", SSH_ACCEPT, SSH_REJECT),
                row("[v, a, e, s, d, sp, dp>0, ...]", SSH_ACCEPT, RDP_REJECT, SSH_REJECT, HTTPS),
                row("[v, a, e, s, d, sp, dp!=22, ...]", RDP_REJECT, HTTPS, ICMP),
                row("[v, a, e, s, d, sp=0, ...]", SSH_REJECT, ICMP),
                row("[v, a, e, s, d, sp<1024, ...]", SSH_REJECT, HTTPS, ICMP),
                row("[v, a, e, s, d, sp<=443 && sp>=443, ...]", HTTPS),
                row("[..., bytes>4e3, start, end, action, status]", SSH_ACCEPT, RDP_REJECT, HTTPS),
                row("[..., bytes<=336.0, start, end, action, status]", SSH_REJECT, ICMP),
                row("[..., bytes>+8399.5, start, end, action, status]", HTTPS),
                row("[v, account>100, ...]", ALL.toArray(String[]::new)),        // a string column read as a number
                row("[v, a, e, srcaddr>10, ...]"),                               // addresses are not numbers
                // Terms on the whole line: case-sensitive, on word boundaries.
                row("REJECT", RDP_REJECT, SSH_REJECT),
                row("reject"),
                row("REJECT OK", RDP_REJECT, SSH_REJECT),
                row("\"REJECT OK\"", RDP_REJECT, SSH_REJECT),
                row("\"10.0.1.5 443\"", HTTPS),
                row("\"10.0.1.5\"", HTTPS),
                row("\"10.0.1\"", HTTPS),                                       // in 10.0.1.5: '.' after it is a boundary
                row("22", SSH_ACCEPT, SSH_REJECT),
                row("4249", SSH_ACCEPT, RDP_REJECT),
                row("424"),
                row("172", SSH_ACCEPT, RDP_REJECT, SSH_REJECT),
                row("\"172.31.16\"", SSH_ACCEPT, SSH_REJECT),
                row("\"172.31.1\""),
                row("eni", ALL.toArray(String[]::new)),
                row("NODATA", NODATA),
                row("?22 ?3389", SSH_ACCEPT, RDP_REJECT, SSH_REJECT),
                row("REJECT -22", RDP_REJECT),
                row("ACCEPT -\"172.31.16.21\"", HTTPS, ICMP),
                row("ACCEPT ?443 ?336", HTTPS, ICMP),
                row("\" \"", ALL.toArray(String[]::new)),
                row("", ALL.toArray(String[]::new)),
                row("   ", ALL.toArray(String[]::new)));
    }

    static Arguments row(String pattern, String... matching) {
        return Arguments.of(pattern, List.of(matching));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("vpcTable")
    void matchesExactlyTheExpectedFlowLogLinesOnRecordsAndOnText(String pattern, List<String> matching) {
        FilterPattern p = FilterPattern.compile(pattern);
        List<String> byRecord = new ArrayList<>();
        List<String> byLine = new ArrayList<>();
        for (String line : ALL) {
            FlowRecord r = FlowLines.record(line);
            assertThat(r.toLine()).isEqualTo(line);
            if (p.test(r)) {
                byRecord.add(line);
            }
            if (p.matchesLine(line)) {
                byLine.add(line);
            }
        }
        assertThat(byRecord).as("records").containsExactlyInAnyOrderElementsOf(matching);
        assertThat(byLine).as("lines").containsExactlyInAnyOrderElementsOf(matching);
    }

    // The guide's OR examples: "ERROR WARN message", "ERROR message", "WARN message".
    static final List<String> OR_LINES = List.of("ERROR WARN message", "ERROR message", "WARN message");

    static Stream<Arguments> guideOrExamples() {
        return Stream.of(
                Arguments.of("ERROR", List.of(true, true, false)),
                Arguments.of("?ERROR ?WARN", List.of(true, true, true)),
                Arguments.of("ERROR WARN", List.of(true, false, false)),
                Arguments.of("ERROR -WARN", List.of(false, true, false)),
                Arguments.of("\"ERROR\" - \"WARN\"", List.of(false, true, false)),
                Arguments.of("[w1=ERROR, w2]", List.of(false, true, false)),
                Arguments.of("[w1=ERROR || w1=WARN, w2]", List.of(false, true, true)),
                Arguments.of("[w1=ERROR, ...]", List.of(true, true, false)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("guideOrExamples")
    void followsTheGuidesOrExamples(String pattern, List<Boolean> expected) {
        FilterPattern p = FilterPattern.compile(pattern);
        assertThat(OR_LINES.stream().map(p::matchesLine).toList()).isEqualTo(expected);
    }

    // The guide's space-delimited examples, on its Apache log lines: brackets and quotes group fields.
    static final String APACHE_404 = "127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] \"GET /index.html HTTP/1.0\" 404 1534";
    static final String APACHE_403 = "127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] \"GET /index.html HTTP/1.0\" 403 1534";
    static final String APACHE_200 = "127.0.0.1 - frank [10/Oct/2000:13:35:22 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 5324";

    static Stream<Arguments> guideDelimitedExamples() {
        return Stream.of(
                Arguments.of("[ip, user, username, timestamp, request, status_code, bytes]", List.of(true, true, true)),
                Arguments.of("[..., status_code, bytes]", List.of(true, true, true)),
                Arguments.of("[ip, user, ..., status_code, bytes]", List.of(true, true, true)),
                Arguments.of("[ip, user, ...]", List.of(true, true, true)),
                Arguments.of("[ip, user, username, timestamp, request, status_code, bytes > 1000]", List.of(true, true, true)),
                Arguments.of("[ip, user, username, timestamp, request, status_code, bytes > 2000]", List.of(false, false, true)),
                Arguments.of("[ip, user, username, timestamp, request, status_code = 200, bytes]", List.of(false, false, true)),
                Arguments.of("[ip, user, username, timestamp, request, status_code = 4*, bytes]", List.of(true, true, false)),
                Arguments.of("[ip, user, username, timestamp, request = *html*, status_code = 4*, bytes]", List.of(true, true, false)),
                Arguments.of("[ip, user, username, timestamp, request, status_code = 4* && status_code != 403, bytes]",
                        List.of(true, false, false)),
                Arguments.of("[..., request=*.html*, status_code=4*,]", List.of(true, true, false)),
                Arguments.of("[ip, user, username, timestamp=\"10/Oct/2000:13:25:15 -0700\", ...]", List.of(true, true, false)),
                Arguments.of("[ip, user, username, timestamp, request=\"GET /apache_pb.gif HTTP/1.0\", ...]", List.of(false, false, true)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("guideDelimitedExamples")
    void followsTheGuidesSpaceDelimitedExamples(String pattern, List<Boolean> expected) {
        FilterPattern p = FilterPattern.compile(pattern);
        assertThat(Stream.of(APACHE_404, APACHE_403, APACHE_200).map(p::matchesLine).toList()).isEqualTo(expected);
    }

    @Test
    void namedFieldsMapToColumnsOfACustomFormatInItsOwnOrder() {
        FlowFormat f = FlowFormat.parse("${srcaddr} ${dstport} ${action} ${vpc-id} ${encryption-status}");
        FlowRecord r = FlowLines.record(f, "10.0.0.9 22 REJECT vpc-0abc 1");
        assertThat(FilterPattern.compile("[src, port=22, action=REJECT, vpc=vpc-*, enc=1]").test(r)).isTrue();
        assertThat(FilterPattern.compile("[src, port=22, action=REJECT, vpc, enc>1]").test(r)).isFalse();
        assertThat(FilterPattern.compile(TUTORIAL).test(r)).isFalse(); // 14 fields, this format has 5
        assertThat(FilterPattern.compile("[..., vpc, enc]").test(r)).isTrue();
    }

    @Test
    void columnOfNamesTheFieldsPositionUntilTheEllipsis() {
        FilterPattern p = FilterPattern.compile("[version, account, eni, ..., action=REJECT, status]");
        assertThat(p.columnOf("version")).isZero();
        assertThat(p.columnOf("eni")).isEqualTo(2);
        assertThat(p.columnOf("action")).isEqualTo(-1);
        assertThat(p.columnOf("nope")).isEqualTo(-1);
        assertThat(FilterPattern.compile(TUTORIAL).columnOf("destination")).isEqualTo(4);
        assertThat(FilterPattern.compile(TUTORIAL).columnOf("flowlogstatus")).isEqualTo(13);
        assertThat(FilterPattern.compile("REJECT").columnOf("REJECT")).isEqualTo(-1);
    }

    @Test
    void keepsItsText() {
        assertThat(FilterPattern.compile(TUTORIAL).text()).isEqualTo(TUTORIAL);
        assertThat(FilterPattern.compile(" REJECT ").toString()).isEqualTo(" REJECT ");
    }

    @Test
    void quotedValuesMayHoldEscapedQuotesAndPatternCharacters() {
        assertThat(FilterPattern.compile("[a=\"x, y]\", b]").matchesLine("\"x, y]\" 1")).isTrue(); // the quoted group is one field
        assertThat(FilterPattern.compile("[a=\"x,\", b]").matchesLine("x, 1")).isTrue();
        assertThat(FilterPattern.compile("\"say \\\"hi\\\"\"").matchesLine("they say \"hi\" here")).isTrue();
    }

    @Test
    void evaluatingARecordDoesNotAllocate() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        FilterPattern[] patterns = {FilterPattern.compile(TUTORIAL),
                FilterPattern.compile("[..., destport=2* || destport=3389, protocol, packets, bytes>=100 && bytes<1e4, start, end, action!=ACCEPT, status]"),
                FilterPattern.compile("REJECT -\"172.31.16.21\" ?22 ?3389"),
                FilterPattern.compile("\"10.0.1.5 443\"")};
        FlowRecord[] records = ALL.stream().map(FlowLines::record).toArray(FlowRecord[]::new);
        int sink = 0;
        for (int i = 0; i < 20_000; i++) { // warm up: class loading, JIT
            for (FilterPattern p : patterns) {
                sink += p.test(records[i % records.length]) ? 1 : 0;
            }
        }
        long before = mx.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100_000; i++) {
            for (FilterPattern p : patterns) {
                sink += p.test(records[i % records.length]) ? 1 : 0;
            }
        }
        long allocated = mx.getCurrentThreadAllocatedBytes() - before;
        assertThat(sink).isPositive();
        assertThat(allocated).as("bytes allocated for 400k evaluations").isLessThan(64 * 1024);
    }
}
