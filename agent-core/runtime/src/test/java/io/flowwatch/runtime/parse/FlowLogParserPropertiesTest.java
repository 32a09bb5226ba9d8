package io.flowwatch.runtime.parse;

import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;
import io.flowwatch.api.source.LineChunk;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** No input makes the parser throw; valid records survive a text round trip. */
class FlowLogParserPropertiesTest {

    @Property(tries = 3000)
    void arbitraryBytesNeverThrowAndEveryLineIsAccountedFor(@ForAll @Size(max = 600) byte[] data) {
        FlowLogParserTest.Collected c = new FlowLogParserTest.Collected();
        new FlowLogParser(FlowFormat.DEFAULT).parse(LineChunk.of("fuzz", 1, data, null), c);
        long lines = countNonBlankLines(data);
        // Every non-blank line is a record, a header, or reported malformed: nothing vanishes silently.
        assertThat(c.records.size() + c.malformed.size()).isLessThanOrEqualTo((int) lines);
        assertThat(c.records.size() + c.malformed.size()).isGreaterThanOrEqualTo((int) lines - 1);
    }

    @Property(tries = 3000)
    void recordLikeTextNeverThrows(@ForAll("recordLike") String line) {
        FlowLogParserTest.Collected c = new FlowLogParserTest.Collected();
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        new FlowLogParser(FlowFormat.DEFAULT).parse(LineChunk.of("fuzz", 2, b, null), c);
        assertThat(c.records.size() + c.malformed.size()).isLessThanOrEqualTo(countNonBlankLines(b) == 0 ? 0 : 100);
    }

    @Property(tries = 2000)
    void validRecordsRoundTripThroughText(@ForAll("validRecord") String line) {
        FlowLogParserTest.Collected c = FlowLogParserTest.parse(FlowFormat.DEFAULT, line);
        assertThat(c.malformed).isEmpty();
        assertThat(c.records).hasSize(1);
        FlowRecord r = c.records.get(0);
        assertThat(r.toLine()).isEqualTo(line.trim().replaceAll(" +", " "));
    }

    @Provide
    Arbitrary<String> recordLike() {
        Arbitrary<String> token = Arbitraries.oneOf(
                Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(25),
                Arbitraries.of("-", "ACCEPT", "REJECT", "OK", "NODATA", "version", "srcaddr", "eni-1", "::1", "10.0.0.1", "${x}"),
                Arbitraries.strings().ofMaxLength(8));
        return token.list().ofMaxSize(20).map(l -> String.join(Arbitraries.of(" ", "  ", "\t").sample(), l)
                + Arbitraries.of("", "\n", "\r\n").sample());
    }

    @Provide
    Arbitrary<String> validRecord() {
        Arbitrary<String> ip4 = Arbitraries.integers().between(0, 255).list().ofSize(4)
                .map(l -> l.get(0) + "." + l.get(1) + "." + l.get(2) + "." + l.get(3));
        Arbitrary<String> port = Arbitraries.oneOf(Arbitraries.integers().between(0, 65535).map(String::valueOf), Arbitraries.just("-"));
        Arbitrary<String> count = Arbitraries.longs().between(0, Long.MAX_VALUE).map(String::valueOf);
        Arbitrary<String> time = Arbitraries.longs().between(0, 4_000_000_000L).map(String::valueOf);
        return Combinators.combine(ip4, ip4, port, port, count, count, time, Arbitraries.of("ACCEPT", "REJECT", "-"))
                .as((src, dst, sp, dp, pk, by, t, action) -> String.join(" ", List.of("2", "123456789012", "eni-0abc",
                        src, dst, sp, dp, "6", pk, by, t, t, action, "OK")));
    }

    private static long countNonBlankLines(byte[] data) {
        long n = 0;
        boolean content = false;
        for (byte b : data) {
            if (b == '\n') {
                if (content) {
                    n++;
                }
                content = false;
            } else if ((b & 0xff) > ' ') { // control bytes separate, like spaces
                content = true;
            }
        }
        return content ? n + 1 : n;
    }
}
