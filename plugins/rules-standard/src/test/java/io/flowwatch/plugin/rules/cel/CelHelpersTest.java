package io.flowwatch.plugin.rules.cel;

import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static io.flowwatch.plugin.rules.cel.Records.line;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The helper functions, evaluated through CEL as rule authors write them. */
class CelHelpersTest {

    private static final FlowFormat ADDRS = FlowFormat.parse("${srcaddr} ${dstaddr} ${tcp-flags}");

    private static boolean eval(String expression, String srcaddr) {
        return CelCondition.compile(expression).test(line(ADDRS, srcaddr + " 10.0.0.1 0"));
    }

    @ParameterizedTest(name = "in_cidr({0}, {1}) == {2}")
    @CsvSource({
        "10.1.2.3, 10.0.0.0/8, true",
        "11.0.0.0, 10.0.0.0/8, false",
        "9.255.255.255, 10.0.0.0/8, false",
        "10.255.255.255, 10.0.0.0/8, true",
        "172.16.0.1, 172.16.0.0/12, true",
        "172.32.0.1, 172.16.0.0/12, false",
        "1.2.3.4, 0.0.0.0/0, true",
        "255.255.255.255, 0.0.0.0/0, true",
        "192.0.2.7, 192.0.2.7/32, true",
        "192.0.2.8, 192.0.2.7/32, false",
        "192.0.2.7, 192.0.2.7, true",
        "192.0.2.77, 192.0.2.7, false",
        "10.1.2.3, 10.9.9.9/8, true",
        "2001:db8::1, 2001:db8::/32, true",
        "2001:db9::1, 2001:db8::/32, false",
        "2001:0db8:0000:0000:0000:0000:0000:0001, 2001:db8::1/128, true",
        "2001:db8::2, 2001:db8::1/128, false",
        "::1, ::1/128, true",
        "::, ::/0, true",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff, ::/0, true",
        "2001:db8:0:0:8000::1, 2001:db8::/65, false",
        "2001:db8:0:0:7fff::1, 2001:db8::/65, true",
        "2001:db8::ffff, 2001:db8::ff00/120, true",
        "::ffff:10.0.0.1, ::ffff:0:0/96, true",
        "::ffff:10.0.0.1, 10.0.0.0/8, false",
        "10.0.0.1, ::/0, false",
        "2001:db8::1, 0.0.0.0/0, false",
        "fe80::1%eth0, fe80::/10, false",
        "not-an-address, 0.0.0.0/0, false",
        "10.0.0.256, 10.0.0.0/8, false",
        "10.0.0, 10.0.0.0/8, false",
        "010.0.0.1, 10.0.0.0/8, false",
        "1:2:3:4:5:6:7:8:9, ::/0, false",
        "1::2::3, ::/0, false",
    })
    void inCidr(String addr, String cidr, boolean expected) {
        assertThat(eval("in_cidr(srcaddr, '" + cidr + "')", addr)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "malformed literal CIDR {0}")
    @CsvSource(delimiter = '|', value = {
        "10.0.0.0/33 | prefix length must be 0 to 32",
        "2001:db8::/129 | prefix length must be 0 to 128",
        "10.0.0/8 | '10.0.0' is not an IPv4 address",
        "10.0.0.0/ | prefix length",
        "10.0.0.0/-1 | prefix length",
        "2001:db8:::/32 | is not an IPv6 address",
    })
    void malformedLiteralCidrIsACompileErrorAtTheArgument(String cidr, String message) {
        assertThatThrownBy(() -> CelCondition.compile("action == 'REJECT' && in_cidr(srcaddr, '" + cidr + "')"))
                .isInstanceOf(CelConditionException.class)
                .hasMessageStartingWith("expected a bool expression: ERROR: <input>:1:40: invalid CIDR '" + cidr + "'")
                .hasMessageContaining(message);
    }

    @Test
    void cidrComputedPerRecordIsParsedAtRunTime() {
        FlowRecord r = line(ADDRS, "10.0.0.9 10.0.0.0 0");
        assertThat(CelCondition.compile("in_cidr(srcaddr, dstaddr + '/24')").test(r)).isTrue();
        assertThat(CelCondition.compile("in_cidr(srcaddr, dstaddr + '/32')").test(r)).isFalse();
    }

    @ParameterizedTest(name = "is_private({0}) == {1}")
    @CsvSource({
        "10.0.0.1, true",
        "172.16.5.4, true",
        "172.31.255.255, true",
        "172.32.0.0, false",
        "192.168.1.1, true",
        "192.169.1.1, false",
        "8.8.8.8, false",
        "127.0.0.1, false",
        "169.254.169.254, false",
        "100.64.0.1, false",
        "fc00::1, true",
        "fd12:3456:789a::1, true",
        "fe80::1, false",
        "::1, false",
        "2600:1f18::1, false",
        "::ffff:10.0.0.1, false",
        "garbage, false",
    })
    void isPrivate(String addr, boolean expected) {
        assertThat(eval("is_private(srcaddr)", addr)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "tcp_flag({0}, {1}) == {2}")
    @CsvSource({
        "2, SYN, true",
        "2, ACK, false",
        "18, SYN, true",
        "18, ACK, true",
        "18, SYN-ACK, true",
        "2, SYN-ACK, false",
        "19, FIN, true",
        "3, RST, false",
        "4, RST, true",
        "8, PSH, true",
        "32, URG, true",
        "31, URG, false",
        "2, syn, true",
        "0, FIN, false",
    })
    void tcpFlag(long flags, String name, boolean expected) {
        FlowRecord r = line(ADDRS, "10.0.0.1 10.0.0.2 " + flags);
        assertThat(CelCondition.compile("tcp_flag(tcp_flags, '" + name + "')").test(r)).isEqualTo(expected);
    }

    @Test
    void unknownLiteralTcpFlagIsACompileError() {
        assertThatThrownBy(() -> CelCondition.compile("tcp_flag(tcp_flags, 'SYNACK')"))
                .isInstanceOf(CelConditionException.class)
                .hasMessage("expected a bool expression: ERROR: <input>:1:21: unknown TCP flag 'SYNACK'; "
                        + "expected one of FIN, SYN, RST, PSH, ACK, URG, SYN-ACK");
    }

    @Test
    void unknownComputedTcpFlagIsAnEvaluationError() {
        CelCondition c = CelCondition.compile("tcp_flag(tcp_flags, srcaddr)");
        assertThat(c.test(line(ADDRS, "XYZ 10.0.0.2 2"))).isFalse();
        assertThat(c.errorCount()).isEqualTo(1);
    }
}
