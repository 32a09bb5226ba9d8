package io.flowwatch.plugin.rules.iplist;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigInteger;
import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;

class IpParserTest {

    static long v4(String s) {
        return IpParser.parseV4(s, 0, s.length());
    }

    @Test
    void parsesDottedQuadsIncludingTheEdges() {
        assertThat(v4("0.0.0.0")).isZero();
        assertThat(v4("255.255.255.255")).isEqualTo(0xffffffffL);
        assertThat(v4("10.1.2.3")).isEqualTo(0x0a010203L);
        assertThat(IpParser.parseV4("x10.0.0.1y", 1, 9)).isEqualTo(0x0a000001L);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1..2.3", "1.2.3.", ".1.2.3", "1.2.3.4a", "1234.1.1.1", "-", "::1"})
    void rejectsAnythingElseAsIpv4(String s) {
        assertThat(v4(s)).isEqualTo(-1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"::", "::1", "2001:db8::1", "2001:db8:0:0:0:0:0:1", "fe80::1:2", "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "::ffff:192.0.2.1", "64:ff9b::10.0.0.1", "2001:DB8::ABCD",
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"})
    void parsesIpv6LikeTheJdk(String s) throws Exception {
        IpParser p = new IpParser();
        assertThat(p.parseV6(s, 0, s.length())).as(s).isTrue();
        byte[] expected = InetAddress.getByName(s).getAddress();
        if (expected.length == 4) { // the JDK turns ::ffff:a.b.c.d into IPv4
            assertThat(IpParser.isV4Mapped(p.hi(), p.lo())).isTrue();
            assertThat(p.lo() & 0xffffffffL).isEqualTo(new BigInteger(1, expected).longValue());
            return;
        }
        BigInteger got = new BigInteger(1, java.nio.ByteBuffer.allocate(16).putLong(p.hi()).putLong(p.lo()).array());
        assertThat(got).isEqualTo(new BigInteger(1, expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ":", ":::", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::1", "1:", ":1",
            "g::1", "1:2:3:4:5:6:7:8::", "::1.2.3", "1.2.3.4::", "fe80::1%eth0"})
    void rejectsMalformedIpv6(String s) {
        assertThat(new IpParser().parseV6(s, 0, s.length())).as(s).isFalse();
    }
}
