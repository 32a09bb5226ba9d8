package io.flowwatch.plugin.simulator;

import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.source.LineChunk;
import io.flowwatch.api.source.SourceBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class SimulatorFormatTest {

    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9a-f]{1,4}(:[0-9a-f]{0,4}){2,7}");
    private static final Pattern ENI = Pattern.compile("eni-[0-9a-f]{17}");
    private static final Pattern NUMBER = Pattern.compile("0|[1-9][0-9]*");

    @TempDir
    Path state;

    @Test
    void everyDefaultFormatLineIsAValidVersion2Record() {
        Sim sim = Sim.open(Sim.FAST, state);
        List<String> lines = sim.lines(200_000);
        assertThat(lines).hasSize(200_000);
        int nodata = 0;
        int skipdata = 0;
        for (String line : lines) {
            String[] f = line.split(" ", -1);
            assertThat(f).as(line).hasSize(14);
            assertThat(f[0]).isEqualTo("2");
            assertThat(f[1]).isEqualTo("123456789012");
            assertThat(f[2]).as(line).matches(ENI);
            assertThat(f[13]).as(line).isIn("OK", "NODATA", "SKIPDATA");
            assertThat(f[10]).as(line).matches(NUMBER);
            assertThat(f[11]).as(line).matches(NUMBER);
            assertThat(Long.parseLong(f[11])).as(line).isGreaterThanOrEqualTo(Long.parseLong(f[10]));
            if (f[13].equals("OK")) {
                assertThat(f[3]).as(line).matches(s -> IPV4.matcher(s).matches() || IPV6.matcher(s).matches(), "an address");
                assertThat(f[4]).as(line).matches(s -> IPV4.matcher(s).matches() || IPV6.matcher(s).matches(), "an address");
                for (int i = 5; i <= 9; i++) {
                    assertThat(f[i]).as(line).matches(NUMBER);
                }
                assertThat(Integer.parseInt(f[5])).as(line).isBetween(0, 65535);
                assertThat(Integer.parseInt(f[6])).as(line).isBetween(0, 65535);
                assertThat(f[7]).as(line).isIn("1", "6", "17");
                assertThat(Long.parseLong(f[8])).as(line).isPositive();
                assertThat(Long.parseLong(f[9])).as(line).isGreaterThanOrEqualTo(Long.parseLong(f[8]) * 28);
                assertThat(f[12]).as(line).isIn("ACCEPT", "REJECT");
                // start and end in the same one-minute capture window
                assertThat(Long.parseLong(f[11]) / 60).as(line).isEqualTo(Long.parseLong(f[10]) / 60);
                if (f[7].equals("1")) {
                    assertThat(f[5] + " " + f[6]).as(line).isEqualTo("0 0");
                }
            } else {
                // AWS: "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA"
                assertThat(List.of(f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[12])).as(line).containsOnly("-");
                assertThat(Long.parseLong(f[11]) - Long.parseLong(f[10])).as(line).isBetween(55L, 59L);
                if (f[13].equals("NODATA")) {
                    nodata++;
                } else {
                    skipdata++;
                }
            }
        }
        // about 0.5% NODATA and a rare SKIPDATA
        assertThat(nodata).isBetween(600, 1_400);
        assertThat(skipdata).isBetween(5, 100);
    }

    @Test
    void chunksCarryTheFormatOriginAndLineNumbers() {
        Sim sim = Sim.open(Sim.FAST + ", batch-size = 300", state);
        SourceBatch first = sim.poll();
        SourceBatch second = sim.poll();
        LineChunk a = first.chunks().get(0);
        LineChunk b = second.chunks().get(0);
        assertThat(a.origin()).isEqualTo("simulator:sim");
        assertThat(a.format()).isEqualTo(FlowFormat.DEFAULT);
        assertThat(a.firstLine()).isEqualTo(1);
        assertThat(b.firstLine()).isEqualTo(301);
        assertThat(Sim.lines(a)).hasSize(300);
        assertThat(a.data()[a.offset() + a.length() - 1]).isEqualTo((byte) '\n');
        assertThat(a.eventTimes()).isNull();
        assertThat(first.records()).isEmpty();
    }

    @Test
    void aCustomFormatGetsItsColumnsInItsOrder() {
        String spec = "${version} ${vpc-id} ${subnet-id} ${instance-id} ${interface-id} ${account-id} ${type} ${srcaddr} "
                + "${dstaddr} ${srcport} ${dstport} ${pkt-srcaddr} ${pkt-dstaddr} ${protocol} ${bytes} ${packets} ${start} "
                + "${end} ${action} ${tcp-flags} ${log-status} ${region} ${az-id} ${sublocation-type} ${flow-direction} "
                + "${traffic-path} ${ecs-cluster-name} ${some-future-field}";
        Sim sim = Sim.open(Sim.FAST + ", region = eu-west-1, format = \"" + spec + "\"", state);
        SourceBatch batch = sim.poll();
        assertThat(batch.chunks().get(0).format()).isEqualTo(FlowFormat.parse(spec));
        List<String> lines = sim.lines(50_000);
        Map<String, Integer> col = Map.ofEntries(Map.entry("version", 0), Map.entry("vpc", 1), Map.entry("subnet", 2),
                Map.entry("instance", 3), Map.entry("eni", 4), Map.entry("account", 5), Map.entry("type", 6),
                Map.entry("src", 7), Map.entry("dst", 8), Map.entry("pktsrc", 11), Map.entry("pktdst", 12),
                Map.entry("protocol", 13), Map.entry("action", 18), Map.entry("flags", 19), Map.entry("status", 20),
                Map.entry("region", 21), Map.entry("az", 22), Map.entry("subloc", 23), Map.entry("direction", 24),
                Map.entry("path", 25), Map.entry("ecs", 26), Map.entry("future", 27));
        boolean sawIpv6 = false;
        boolean sawEgressPath = false;
        for (String line : lines) {
            String[] f = line.split(" ", -1);
            assertThat(f).as(line).hasSize(28);
            assertThat(f[col.get("version")]).isEqualTo("7"); // the highest version among the fields (ecs-cluster-name)
            assertThat(f[col.get("vpc")]).as(line).matches("vpc-[0-9a-f]{17}");
            assertThat(f[col.get("subnet")]).as(line).matches("subnet-[0-9a-f]{17}");
            assertThat(f[col.get("instance")]).as(line).matches("i-[0-9a-f]{17}");
            assertThat(f[col.get("eni")]).as(line).matches(ENI);
            assertThat(f[col.get("account")]).isEqualTo("123456789012");
            assertThat(f[col.get("region")]).isEqualTo("eu-west-1");
            assertThat(f[col.get("az")]).as(line).isIn("euw1-az1", "euw1-az2", "euw1-az3");
            assertThat(f[col.get("subloc")]).isEqualTo("-");
            assertThat(f[col.get("ecs")]).isEqualTo("-");
            assertThat(f[col.get("future")]).isEqualTo("-");
            if (!f[col.get("status")].equals("OK")) {
                assertThat(f[col.get("type")] + f[col.get("src")] + f[col.get("direction")] + f[col.get("path")]
                        + f[col.get("flags")]).isEqualTo("-----");
                continue;
            }
            assertThat(f[col.get("pktsrc")]).isEqualTo(f[col.get("src")]);
            assertThat(f[col.get("pktdst")]).isEqualTo(f[col.get("dst")]);
            String type = f[col.get("type")];
            assertThat(type).isIn("IPv4", "IPv6");
            assertThat(f[col.get("src")].contains(":")).as(line).isEqualTo(type.equals("IPv6"));
            sawIpv6 |= type.equals("IPv6");
            String direction = f[col.get("direction")];
            assertThat(direction).isIn("ingress", "egress");
            String path = f[col.get("path")];
            if (direction.equals("ingress")) {
                assertThat(path).as(line).isEqualTo("-");
            } else {
                assertThat(path).as(line).isIn("1", "2", "4", "8");
                sawEgressPath = true;
            }
            String flags = f[col.get("flags")];
            if (f[col.get("protocol")].equals("6")) {
                assertThat(Integer.parseInt(flags)).as(line).isIn(0, 1, 2, 3, 4, 18, 19);
            } else {
                assertThat(flags).as(line).isEqualTo("0");
            }
        }
        assertThat(sawIpv6).isTrue();
        assertThat(sawEgressPath).isTrue();
    }

    @Test
    void theInterfaceIsTheSourceOfEgressAndTheDestinationOfIngress() {
        String spec = "${interface-id} ${srcaddr} ${dstaddr} ${flow-direction} ${log-status}";
        List<String> lines = Sim.open(Sim.FAST + ", format = \"" + spec + "\"", state).lines(50_000);
        // learn each interface's addresses from records, then check every record agrees
        Map<String, Set<String>> own = lines.stream().map(l -> l.split(" ")).filter(f -> f[4].equals("OK"))
                .collect(Collectors.groupingBy(f -> f[0],
                        Collectors.mapping(f -> f[3].equals("egress") ? f[1] : f[2], Collectors.toSet())));
        // an interface has one IPv4 address and at most one IPv6 address
        assertThat(own.values()).allSatisfy(addrs -> {
            assertThat(addrs.stream().filter(a -> !a.contains(":"))).hasSize(1);
            assertThat(addrs.stream().filter(a -> a.contains(":")).count()).isLessThanOrEqualTo(1);
        });
        assertThat(own.values().stream().flatMap(Set::stream).filter(a -> !a.contains(":")))
                .allMatch(a -> a.startsWith("10.0.") || a.startsWith("172.31."));
    }

    @Test
    void aFormatWithoutStartHandsOverEventTimesPerLine() {
        Sim sim = Sim.open(Sim.FAST + ", rate = 10, batch-size = 100, format = \"${srcaddr} ${dstaddr} ${action}\"", state);
        LineChunk c = sim.poll().chunks().get(0);
        assertThat(c.eventTimes()).hasSize(100);
        int exact = 0;
        for (int k = 0; k < 100; k++) {
            long second = Sim.T0.getEpochSecond() + k / 10;
            // a record's start: its second, or up to a minute earlier for a NODATA capture window
            assertThat(c.eventTimes()[k]).isBetween(second - 59, second);
            exact += c.eventTimes()[k] == second ? 1 : 0;
        }
        assertThat(exact).isGreaterThan(95);
    }
}
