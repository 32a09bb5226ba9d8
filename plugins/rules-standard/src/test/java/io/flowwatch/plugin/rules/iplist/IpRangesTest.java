package io.flowwatch.plugin.rules.iplist;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class IpRangesTest {

    static final Path F = Path.of("/lists/a.txt");

    static IpRanges.Entry e(String text) {
        return new IpRanges.Entry(text, F, 1);
    }

    static long v4(String s) {
        return IpParser.parseV4(s, 0, s.length());
    }

    static String find(IpRanges r, String ip) {
        IpRanges.Entry hit = r.findV4(v4(ip));
        return hit == null ? null : hit.text();
    }

    @Test
    void emptyTableMatchesNothing() {
        assertThat(IpRanges.empty().findV4(0)).isNull();
        assertThat(IpRanges.empty().findV6(0, 0)).isNull();
    }

    @Test
    void slash32MatchesExactlyOneAddress() {
        IpRanges r = new IpRanges.Builder().addV4(v4("10.0.0.5"), 32, e("10.0.0.5")).build();
        assertThat(find(r, "10.0.0.5")).isEqualTo("10.0.0.5");
        assertThat(find(r, "10.0.0.4")).isNull();
        assertThat(find(r, "10.0.0.6")).isNull();
    }

    @Test
    void slash0MatchesEverythingIncludingTheEnds() {
        IpRanges r = new IpRanges.Builder().addV4(0, 0, e("0.0.0.0/0")).build();
        assertThat(find(r, "0.0.0.0")).isEqualTo("0.0.0.0/0");
        assertThat(find(r, "255.255.255.255")).isEqualTo("0.0.0.0/0");
    }

    @Test
    void hostBitsBeyondThePrefixAreIgnored() {
        IpRanges r = new IpRanges.Builder().addV4(v4("192.168.1.77"), 24, e("192.168.1.77/24")).build();
        assertThat(find(r, "192.168.1.0")).isNotNull();
        assertThat(find(r, "192.168.1.255")).isNotNull();
        assertThat(find(r, "192.168.2.0")).isNull();
        assertThat(find(r, "192.168.0.255")).isNull();
    }

    @Test
    void overlappingBlocksReportTheMostSpecificAndFallBackToTheEnclosingOne() {
        IpRanges r = new IpRanges.Builder()
                .addV4(0, 0, e("0.0.0.0/0"))
                .addV4(v4("10.0.0.0"), 8, e("10.0.0.0/8"))
                .addV4(v4("10.1.0.0"), 16, e("10.1.0.0/16"))
                .addV4(v4("10.1.2.3"), 32, e("10.1.2.3"))
                .addV4(v4("10.1.0.0"), 16, e("10.1.0.0/16 again"))
                .addV4(v4("10.200.0.0"), 16, e("10.200.0.0/16"))
                .build();
        assertThat(find(r, "10.1.2.3")).isEqualTo("10.1.2.3");
        assertThat(find(r, "10.1.2.4")).startsWith("10.1.0.0/16");
        assertThat(find(r, "10.2.0.0")).isEqualTo("10.0.0.0/8"); // after a nested block, back in its parent
        assertThat(find(r, "10.255.0.0")).isEqualTo("10.0.0.0/8"); // after the last nested block
        assertThat(find(r, "11.0.0.0")).isEqualTo("0.0.0.0/0");
        assertThat(find(r, "9.255.255.255")).isEqualTo("0.0.0.0/0");
    }

    @Test
    void ipv6Slash128AndSlash0AndSlash64Edges() {
        IpParser p = new IpParser();
        IpRanges.Builder b = new IpRanges.Builder();
        p.parseV6("2001:db8::1", 0, 11);
        b.addV6(p.hi(), p.lo(), 128, e("2001:db8::1"));
        p.parseV6("2001:db8:0:1::", 0, 14);
        b.addV6(p.hi(), p.lo(), 64, e("2001:db8:0:1::/64"));
        IpRanges r = b.build();
        assertThat(find6(r, p, "2001:db8::1")).isEqualTo("2001:db8::1");
        assertThat(find6(r, p, "2001:db8::2")).isNull();
        assertThat(find6(r, p, "2001:db8::")).isNull();
        assertThat(find6(r, p, "2001:db8:0:1::")).isEqualTo("2001:db8:0:1::/64");
        assertThat(find6(r, p, "2001:db8:0:1:ffff:ffff:ffff:ffff")).isEqualTo("2001:db8:0:1::/64");
        assertThat(find6(r, p, "2001:db8:0:2::")).isNull();
        // Unsigned order: the top half of the space must still be found.
        IpRanges all = new IpRanges.Builder().addV6(0, 0, 0, e("::/0")).build();
        assertThat(find6(all, p, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")).isEqualTo("::/0");
        assertThat(find6(all, p, "::")).isEqualTo("::/0");
        IpRanges top = new IpRanges.Builder().addV6(0x8000_0000_0000_0000L, 0, 1, e("8000::/1")).build();
        assertThat(find6(top, p, "8000::")).isEqualTo("8000::/1");
        assertThat(find6(top, p, "7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")).isNull();
    }

    static String find6(IpRanges r, IpParser p, String ip) {
        assertThat(p.parseV6(ip, 0, ip.length())).isTrue();
        IpRanges.Entry hit = r.findV6(p.hi(), p.lo());
        return hit == null ? null : hit.text();
    }

    @Test
    void agreesWithABruteForceScanOnAHundredThousandRandomBlocks() {
        Random rnd = new Random(42);
        int n = 100_000;
        long[] start = new long[n];
        long[] end = new long[n];
        int[] prefix = new int[n];
        IpRanges.Builder b = new IpRanges.Builder();
        for (int i = 0; i < n; i++) {
            int pl = 8 + rnd.nextInt(25); // /8 .. /32, so blocks nest and overlap often
            long addr = rnd.nextLong() & 0xffffffffL;
            long mask = (0xffffffffL << (32 - pl)) & 0xffffffffL;
            start[i] = addr & mask;
            end[i] = start[i] | (~mask & 0xffffffffL);
            prefix[i] = pl;
            b.addV4(addr, pl, new IpRanges.Entry(Integer.toString(i), F, i + 1));
        }
        IpRanges r = b.build();
        assertThat(r.size()).isEqualTo(n);
        List<Long> probes = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            probes.add(rnd.nextLong() & 0xffffffffL);
            int j = rnd.nextInt(n);
            probes.add(start[j]);
            probes.add(end[j]);
            probes.add(end[j] + 1 & 0xffffffffL);
        }
        for (long ip : probes) {
            int bestPrefix = -1;
            for (int i = 0; i < n; i++) {
                if (start[i] <= ip && ip <= end[i] && prefix[i] > bestPrefix) {
                    bestPrefix = prefix[i];
                }
            }
            IpRanges.Entry hit = r.findV4(ip);
            if (bestPrefix < 0) {
                assertThat(hit).as("ip %d", ip).isNull();
            } else {
                assertThat(hit).as("ip %d", ip).isNotNull();
                int i = Integer.parseInt(hit.text());
                assertThat(start[i] <= ip && ip <= end[i]).isTrue();
                assertThat(prefix[i]).as("most specific").isEqualTo(bestPrefix);
            }
        }
    }
}
