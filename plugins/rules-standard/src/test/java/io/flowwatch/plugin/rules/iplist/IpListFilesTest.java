package io.flowwatch.plugin.rules.iplist;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IpListFilesTest {

    @TempDir
    Path dir;

    @Test
    void readsAddressesAndBlocksIgnoringCommentsBlanksAndWhitespace() throws Exception {
        Path f = Files.writeString(dir.resolve("list.txt"), """
                # threat intel feed
                  203.0.113.7\t
                198.51.100.0/24   # trailing comment

                2001:db8:bad::/48
                ::ffff:192.0.2.9
                """);
        IpListFiles.Loaded l = IpListFiles.read(List.of(f));
        assertThat(l.badLineCount()).isZero();
        assertThat(l.ranges().size()).isEqualTo(4);
        IpRanges.Entry hit = l.ranges().findV4(IpParser.parseV4("198.51.100.200", 0, 14));
        assertThat(hit).isEqualTo(new IpRanges.Entry("198.51.100.0/24", f, 3));
        // an IPv4-mapped entry is stored as IPv4, where lookups of mapped addresses go
        assertThat(l.ranges().findV4(IpParser.parseV4("192.0.2.9", 0, 9))).isNotNull();
    }

    @Test
    void badLinesAreSkippedAndLocatedByPathAndLine() throws Exception {
        Path f = Files.writeString(dir.resolve("list.txt"), "10.0.0.1\nnot-an-ip\n10.0.0.0/33\n2001:db8::/129\n10.0.0.2\n1.2.3.4/\n");
        IpListFiles.Loaded l = IpListFiles.read(List.of(f));
        assertThat(l.ranges().size()).isEqualTo(2);
        assertThat(l.badLines()).extracting(Object::toString).containsExactly(
                f + ":2: expected an IPv4/IPv6 address or CIDR block, got 'not-an-ip'",
                f + ":3: expected a prefix length from 0 to 32 after '/', got '10.0.0.0/33'",
                f + ":4: expected a prefix length from 0 to 128 after '/', got '2001:db8::/129'",
                f + ":6: expected a prefix length from 0 to 32 after '/', got '1.2.3.4/'");
    }

    @Test
    void onlyTheFirstBadLinesAreKeptButAllAreCounted() throws Exception {
        Path f = Files.writeString(dir.resolve("junk.txt"), "junk\n".repeat(100));
        IpListFiles.Loaded l = IpListFiles.read(List.of(f));
        assertThat(l.badLines()).hasSize(IpListFiles.MAX_REPORTED_BAD_LINES);
        assertThat(l.badLineCount()).isEqualTo(100);
    }

    @Test
    void aMissingFileFailsTheWholeReadNamingIt() {
        Path missing = dir.resolve("gone.txt");
        assertThatThrownBy(() -> IpListFiles.read(List.of(missing)))
                .hasMessage("cannot read " + missing + ": no such file");
        assertThat(IpListFiles.stamp(missing)).isNull();
    }
}
