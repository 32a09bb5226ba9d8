package io.flowwatch.runtime.parse;

import io.flowwatch.api.record.FlowField;
import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;
import io.flowwatch.api.source.LineChunk;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class FlowLogParserTest {

    /** What a parse produced: records, and "line: reason" for each malformed line. */
    static final class Collected implements FlowLogParser.Sink {
        final List<FlowRecord> records = new ArrayList<>();
        final List<String> malformed = new ArrayList<>();

        @Override
        public void record(FlowRecord record) {
            records.add(record);
        }

        @Override
        public void malformed(String origin, long lineNumber, String reason) {
            malformed.add(origin + ":" + lineNumber + ": " + reason);
        }
    }

    static Collected parse(FlowFormat format, String text) {
        Collected c = new Collected();
        new FlowLogParser(format).parse(LineChunk.of("test.log", 1, text.getBytes(StandardCharsets.UTF_8), null), c);
        return c;
    }

    @Test
    void parsesAwsDefaultFormatExampleAcceptedSsh() {
        // AWS VPC user guide, "Flow log record examples": accepted SSH traffic.
        FlowRecord r = parse(null, "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK").records.get(0);
        assertThat(r.getLong(FlowField.VERSION)).isEqualTo(2);
        assertThat(r.getString(FlowField.ACCOUNT_ID)).isEqualTo("123456789010");
        assertThat(r.getString(FlowField.INTERFACE_ID)).isEqualTo("eni-1235b8ca123456789");
        assertThat(r.getString(FlowField.SRCADDR)).isEqualTo("172.31.16.139");
        assertThat(r.getString(FlowField.DSTADDR)).isEqualTo("172.31.16.21");
        assertThat(r.getLong(FlowField.SRCPORT)).isEqualTo(20641);
        assertThat(r.getLong(FlowField.DSTPORT)).isEqualTo(22);
        assertThat(r.getLong(FlowField.PROTOCOL)).isEqualTo(6);
        assertThat(r.getLong(FlowField.PACKETS)).isEqualTo(20);
        assertThat(r.getLong(FlowField.BYTES)).isEqualTo(4249);
        assertThat(r.getLong(FlowField.START)).isEqualTo(1418530010);
        assertThat(r.getLong(FlowField.END)).isEqualTo(1418530070);
        assertThat(r.getString(FlowField.ACTION)).isEqualTo("ACCEPT");
        assertThat(r.getString(FlowField.LOG_STATUS)).isEqualTo("OK");
        assertThat(r.eventTime()).isEqualTo(1418530010);
    }

    @Test
    void nodataAndSkipdataAreRecordsWithAbsentFields() {
        Collected c = parse(null, """
                2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA
                2 123456789010 eni-11111111aaaaaaaaa - - - - - - - 1431280876 1431280934 - SKIPDATA
                """);
        assertThat(c.malformed).isEmpty();
        assertThat(c.records).hasSize(2);
        FlowRecord nodata = c.records.get(0);
        assertThat(nodata.getString(FlowField.LOG_STATUS)).isEqualTo("NODATA");
        assertThat(nodata.has(FlowField.SRCADDR)).isFalse();
        assertThat(nodata.getLong(FlowField.SRCPORT)).isEqualTo(FlowRecord.ABSENT);
        assertThat(nodata.getString(FlowField.ACTION)).isNull();
        assertThat(nodata.getLong(FlowField.START)).isEqualTo(1431280876);
        assertThat(c.records.get(1).getString(FlowField.LOG_STATUS)).isEqualTo("SKIPDATA");
    }

    @Test
    void addressesCarryTheirIpv4ValueWhetherTheCacheHadThemOrNot() {
        String line = "2 123456789010 eni-1 172.31.16.139 2001:db8::5 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK\n";
        Collected c = parse(null, line + line + line.replace("172.31.16.139", "010.0.0.1"));
        int src = FlowFormat.DEFAULT.indexOf(FlowField.SRCADDR);
        int dst = FlowFormat.DEFAULT.indexOf(FlowField.DSTADDR);
        assertThat(c.records.get(0).ipv4At(src)).as("first seen").isEqualTo(0xac1f108bL);
        assertThat(c.records.get(1).ipv4At(src)).as("from the cache").isEqualTo(0xac1f108bL);
        assertThat(c.records.get(1).ipv4At(dst)).as("IPv6").isEqualTo(-1);
        assertThat(c.records.get(2).ipv4At(src)).as("leading zero: not canonical").isEqualTo(-1);
        assertThat(c.records.get(2).getString(FlowField.SRCADDR)).isEqualTo("010.0.0.1");
    }

    @Test
    void parsesIpv6Addresses() {
        FlowRecord r = parse(null, "2 123456789010 eni-1235b8ca123456789 2001:db8:1234:a100:8d6e:3477:df66:f105 2001:db8:1234:a102:3304:8879:34cf:4071 34892 22 6 54 8855 1477913708 1477913820 ACCEPT OK").records.get(0);
        assertThat(r.getString(FlowField.SRCADDR)).isEqualTo("2001:db8:1234:a100:8d6e:3477:df66:f105");
        assertThat(r.getString(FlowField.DSTADDR)).isEqualTo("2001:db8:1234:a102:3304:8879:34cf:4071");
    }

    @Test
    void parsesAwsCustomFormatExampleWithTcpFlagsAndPacketAddresses() {
        // AWS example: custom format with version 3 fields, through a NAT (pkt-* addresses).
        FlowFormat f = FlowFormat.parse("${version} ${vpc-id} ${subnet-id} ${instance-id} ${interface-id} ${account-id} ${type} "
                + "${srcaddr} ${dstaddr} ${srcport} ${dstport} ${pkt-srcaddr} ${pkt-dstaddr} ${protocol} ${bytes} ${packets} "
                + "${start} ${end} ${action} ${tcp-flags} ${log-status}");
        Collected c = parse(f, "3 vpc-abcdefab012345678 subnet-aaaaaaaa012345678 i-01234567890123456 eni-1235b8ca123456789 "
                + "123456789012 IPv4 52.213.180.42 10.0.0.62 43416 5001 52.213.180.42 10.0.0.62 6 568 8 1566848875 1566848933 ACCEPT 2 OK");
        assertThat(c.malformed).isEmpty();
        FlowRecord r = c.records.get(0);
        assertThat(r.getLong(FlowField.VERSION)).isEqualTo(3);
        assertThat(r.getString(FlowField.VPC_ID)).isEqualTo("vpc-abcdefab012345678");
        assertThat(r.getString(FlowField.TYPE)).isEqualTo("IPv4");
        assertThat(r.getLong(FlowField.TCP_FLAGS)).isEqualTo(2);
        assertThat(r.getString(FlowField.PKT_DSTADDR)).isEqualTo("10.0.0.62");
        assertThat(r.getLong(FlowField.BYTES)).isEqualTo(568);
        assertThat(f.version()).isEqualTo(3);
    }

    @Test
    void headerLineAtTopOfObjectSetsFormatAndIsNotARecord() {
        Collected c = parse(null, """
                version srcaddr dstaddr flow-direction traffic-path log-status
                5 10.0.1.5 52.95.128.179 egress 2 OK
                """);
        assertThat(c.malformed).isEmpty();
        assertThat(c.records).hasSize(1);
        FlowRecord r = c.records.get(0);
        assertThat(r.getString(FlowField.FLOW_DIRECTION)).isEqualTo("egress");
        assertThat(r.getLong(FlowField.TRAFFIC_PATH)).isEqualTo(2);
    }

    @Test
    void unknownHeaderFieldsAreKeptAsStrings() {
        Collected c = parse(null, """
                version srcaddr encryption-status log-status
                8 10.0.1.5 1 OK
                """);
        assertThat(c.malformed).isEmpty();
        FlowRecord r = c.records.get(0);
        assertThat(r.get("encryption-status")).isEqualTo("1");
        assertThat(r.format().column(2).field()).isNull();
    }

    @Test
    void headerFormatCarriesOverToLaterChunksOfTheSameOrigin() {
        FlowLogParser p = new FlowLogParser(FlowFormat.DEFAULT);
        Collected c = new Collected();
        p.parse(LineChunk.of("a.log.gz", 1, "srcaddr dstport\n10.0.0.1 22\n".getBytes(StandardCharsets.UTF_8), null), c);
        p.parse(LineChunk.of("a.log.gz", 3, "10.0.0.2 80\n".getBytes(StandardCharsets.UTF_8), null), c);
        p.parse(LineChunk.of("b.log", 1, "10.0.0.3 443\n".getBytes(StandardCharsets.UTF_8), null), c);
        assertThat(c.records).extracting(r -> r.getLong(FlowField.DSTPORT)).containsExactly(22L, 80L);
        assertThat(c.malformed).containsExactly("b.log:1: expected 14 fields, found 2");
    }

    @Test
    void toleratesRepeatedSpacesTabsAndCrlf() {
        Collected c = parse(null, "  2  123456789010\teni-1  10.0.0.1 10.0.0.2 1 2 6 1 40 100 160 ACCEPT OK \r\n");
        assertThat(c.malformed).isEmpty();
        assertThat(c.records).hasSize(1);
        assertThat(c.records.get(0).getString(FlowField.LOG_STATUS)).isEqualTo("OK");
    }

    @Test
    void malformedLinesAreReportedWithOriginLineAndReasonAndSkipped() {
        Collected c = parse(null, """
                2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 100 160 ACCEPT OK
                2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 two 6 1 40 100 160 ACCEPT OK
                2 123456789010 eni-1 10.0.0.1

                2 123456789010 eni-1 not-an-ip 10.0.0.2 1 2 6 1 40 100 160 ACCEPT OK
                2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 100 160 ACCEPT OK extra
                2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 99999999999 6 1 40 100 160 ACCEPT OK
                2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 -5 6 1 40 100 160 ACCEPT OK
                2 123456789010 eni-1 10.0.0.9 10.0.0.2 1 2 6 1 40 100 160 REJECT OK
                """);
        assertThat(c.records).hasSize(2);
        assertThat(c.records.get(1).getString(FlowField.SRCADDR)).isEqualTo("10.0.0.9");
        assertThat(c.malformed).containsExactly(
                "test.log:2: field dstport: expected a number up to 2147483647, got 'two'",
                "test.log:3: expected 14 fields, found 4",
                "test.log:5: field srcaddr: expected an IPv4 or IPv6 address, got 'not-an-ip'",
                "test.log:6: expected 14 fields, found 15",
                "test.log:7: field dstport: expected a number up to 2147483647, got '99999999999'",
                "test.log:8: field dstport: expected a number up to 2147483647, got '-5'");
    }

    @Test
    void lineNumbersContinueFromTheChunksFirstLine() {
        Collected c = new Collected();
        new FlowLogParser(null).parse(LineChunk.of("big.log", 1001, "x\ny\n".getBytes(StandardCharsets.UTF_8), null), c);
        assertThat(c.malformed).extracting(s -> s.substring(0, s.indexOf(": "))).containsExactly("big.log:1001", "big.log:1002");
    }

    @Test
    void fallbackEventTimeIsUsedWhenTheFormatHasNoStart() {
        FlowFormat f = FlowFormat.parse("${srcaddr} ${dstaddr}");
        Collected c = new Collected();
        byte[] data = "10.0.0.1 10.0.0.2\n10.0.0.3 10.0.0.4\n".getBytes(StandardCharsets.UTF_8);
        new FlowLogParser(f).parse(new LineChunk("stream-1", 1, data, 0, data.length, f, new long[]{1700000000, 1700000060}), c);
        assertThat(c.records).extracting(FlowRecord::eventTime).containsExactly(1700000000L, 1700000060L);
    }

    @Test
    void numbersAtTheLimitsOfTheirTypes() {
        FlowFormat f = FlowFormat.parse("${srcport} ${bytes}");
        assertThat(parse(f, "2147483647 9223372036854775807").records).hasSize(1);
        assertThat(parse(f, "2147483648 1").malformed).hasSize(1);
        assertThat(parse(f, "1 9223372036854775808").malformed).hasSize(1);
        assertThat(parse(f, "1 99999999999999999999").malformed).hasSize(1);
    }

    @Test
    void repeatedValuesShareOneStringInstance() {
        Collected c = parse(null, """
                2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 100 160 ACCEPT OK
                2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 100 160 ACCEPT OK
                """);
        assertThat(c.records.get(0).getString(FlowField.ACTION)).isSameAs(c.records.get(1).getString(FlowField.ACTION));
    }

    @Test
    void addressCacheKeepsAVpcsWorthOfAddressesApart() {
        // Private addresses share their first bytes ("10.0."); a hash that let them collide
        // turned a third of lookups into misses (a String allocated and parsed per record).
        FlowLogParser.StringCache cache = new FlowLogParser.StringCache(14);
        List<byte[]> addresses = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            addresses.add(("10.0." + (i / 250) + "." + (i % 250 + 1)).getBytes(StandardCharsets.US_ASCII));
            addresses.add(((i * 7 % 200 + 20) + "." + (i * 13 % 256) + "." + (i % 97) + "." + (i % 251)).getBytes(StandardCharsets.US_ASCII));
        }
        for (byte[] a : addresses) {
            if (cache.get(a, 0, a.length) == null) {
                cache.put(a, 0, a.length, 0);
            }
        }
        int hits = 0;
        for (byte[] a : addresses) {
            String s = cache.get(a, 0, a.length);
            if (s != null) {
                assertThat(s).isEqualTo(new String(a, StandardCharsets.US_ASCII));
                hits++;
            }
        }
        // 4,000 keys in 16,384 direct-mapped slots: about 11% collide under a uniform hash.
        assertThat(hits).isGreaterThan(addresses.size() * 85 / 100);
    }
}
