package io.flowwatch.plugin.simulator;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The background traffic (scenarios off) looks like a VPC's. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SimulatorTrafficTest {

    @TempDir
    Path state;

    List<Sim.Rec> recs;
    List<Sim.Rec> ok;

    @BeforeAll
    void generate() {
        recs = Sim.recs(Sim.open(Sim.FAST + ", " + Sim.NO_SCENARIOS, state).lines(100_000));
        ok = recs.stream().filter(Sim.Rec::ok).toList();
    }

    static boolean internal(String addr) {
        return addr.startsWith("10.0.") || addr.startsWith("172.31.");
    }

    @Test
    void aboutOneRecordInTenIsRejectedMostlyInboundFromTheInternet() {
        List<Sim.Rec> rejects = ok.stream().filter(r -> r.action().equals("REJECT")).toList();
        assertThat((double) rejects.size() / ok.size()).isBetween(0.05, 0.20);
        long fromOutside = rejects.stream().filter(r -> !internal(r.src()) && internal(r.dst())).count();
        assertThat((double) fromOutside / rejects.size()).isGreaterThan(0.7);
    }

    @Test
    void topTenInternetPeersCarryALargeShareOfWebTraffic() {
        Map<String, Long> perPeer = new HashMap<>();
        for (Sim.Rec r : ok) {
            boolean web = r.protocol() == 6 && r.action().equals("ACCEPT")
                    && (Set.of(443, 80).contains(r.dstport()) || r.f()[5].equals("443") || r.f()[5].equals("80"));
            if (web) {
                String peer = internal(r.src()) ? r.dst() : r.src();
                if (!internal(peer)) {
                    perPeer.merge(peer, 1L, Long::sum);
                }
            }
        }
        long total = perPeer.values().stream().mapToLong(Long::longValue).sum();
        long top10 = perPeer.values().stream().sorted(Comparator.reverseOrder()).limit(10).mapToLong(Long::longValue).sum();
        assertThat(perPeer).hasSizeGreaterThan(1_000); // a few thousand peers exist ...
        assertThat((double) top10 / total).isGreaterThan(0.25); // ... but a few of them dominate (uniform: 0.3%)
    }

    @Test
    void commonServicesAndProtocolsAppear() {
        Set<Integer> dstports = ok.stream().map(Sim.Rec::dstport).collect(Collectors.toSet());
        assertThat(dstports).contains(443, 80, 22, 53, 123, 3306, 5432, 6379);
        assertThat(ok.stream().map(Sim.Rec::protocol).collect(Collectors.toSet())).containsExactlyInAnyOrder(1, 6, 17);
        assertThat(ok.stream().filter(r -> r.dstport() == 53 || r.dstport() == 123)).allMatch(r -> r.protocol() == 17);
        assertThat(ok.stream().filter(r -> r.src().contains(":")))
                .isNotEmpty()
                .allMatch(r -> r.src().startsWith("2001:db8:") && r.dst().startsWith("2001:db8:"));
    }

    @Test
    void clientsUseEphemeralPortsTowardsServices() {
        List<Sim.Rec> httpsFromHosts = ok.stream()
                .filter(r -> r.dstport() == 443 && internal(r.src()) && r.action().equals("ACCEPT")).toList();
        assertThat(httpsFromHosts).isNotEmpty()
                .allSatisfy(r -> assertThat(Integer.parseInt(r.f()[5])).isBetween(32768, 60999));
    }

    @Test
    void flowSizesAreHeavyTailed() {
        long[] bytes = ok.stream().filter(r -> r.action().equals("ACCEPT") && r.protocol() == 6)
                .mapToLong(Sim.Rec::bytes).sorted().toArray();
        long median = bytes[bytes.length / 2];
        long p999 = bytes[(int) (bytes.length * 0.999)];
        assertThat(p999).isGreaterThan(median * 50);
        assertThat(bytes[bytes.length - 1]).isGreaterThan(median * 1_000);
    }

    @Test
    void aFewHundredInterfacesTalk() {
        Set<String> enis = new HashSet<>();
        recs.forEach(r -> enis.add(r.eni()));
        assertThat(enis.size()).isBetween(250, 300);
    }
}
