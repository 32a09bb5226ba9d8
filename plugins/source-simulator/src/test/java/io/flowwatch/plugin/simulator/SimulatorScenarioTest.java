package io.flowwatch.plugin.simulator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each scenario produces what a detector would catch (the example rules: ≥ 100 rejected SSH
 * attempts per source in 5 minutes, ≥ 500 distinct ports per source in 10 minutes, a host's
 * egress far above its baseline), and nothing of it when disabled.
 */
class SimulatorScenarioTest {

    /** 200 records per simulated second keeps the first six simulated minutes at 72,000 records. */
    static final String BASE = Sim.FAST + ", rate = 200";
    static final long T0 = Sim.T0.getEpochSecond();
    static final String ATTACKER = "185.220.101.7";
    static final String SCANNER = "198.51.100.23";
    static final String DESTINATION = "203.0.113.77";

    @TempDir
    Path state;

    List<Sim.Rec> run(String conf, int records) {
        return Sim.recs(Sim.open(BASE + ", " + conf, state).lines(records));
    }

    @Test
    void sshBruteForceIsManyRejectedSshAttemptsFromOneAttackerWithinItsWindow() {
        List<Sim.Rec> recs = run("", 80_000);
        List<Sim.Rec> attack = recs.stream().filter(r -> r.ok() && r.src().equals(ATTACKER)).toList();
        // 5 records/s for 5 minutes: 1500 expected
        assertThat(attack).hasSizeBetween(1_300, 1_700);
        assertThat(attack).allSatisfy(r -> {
            assertThat(r.action()).isEqualTo("REJECT");
            assertThat(r.dstport()).isEqualTo(22);
            assertThat(r.protocol()).isEqualTo(6);
            assertThat(r.start()).isBetween(T0 + 30, T0 + 329);
        });
        assertThat(attack.stream().map(Sim.Rec::dst).distinct().count()).isBetween(1L, 3L);
        // any 5-minute tumbling window overlapping the attack holds well over a threshold of 100
        long firstWindow = attack.stream().filter(r -> r.start() < T0 + 300).count();
        assertThat(firstWindow).isGreaterThan(1_000);
    }

    @Test
    void sshBruteForceDisabledLeavesOnlyTheBackgroundItWouldHaveReplaced() {
        List<Sim.Rec> with = run("", 80_000);
        List<Sim.Rec> without = run("scenarios.ssh-brute-force.enabled = false", 80_000);
        assertThat(without).noneMatch(r -> r.ok() && (r.src().equals(ATTACKER) || r.dst().equals(ATTACKER)));
        int differing = 0;
        for (int i = 0; i < with.size(); i++) {
            if (!String.join(" ", with.get(i).f()).equals(String.join(" ", without.get(i).f()))) {
                differing++;
                assertThat(with.get(i).src()).isEqualTo(ATTACKER);
            }
        }
        assertThat(differing).isGreaterThan(1_300);
    }

    @Test
    void portScanHitsManyDistinctPortsOfOneHostFromOneScanner() {
        List<Sim.Rec> recs = run("", 80_000);
        List<Sim.Rec> scan = recs.stream().filter(r -> r.ok() && r.src().equals(SCANNER)).toList();
        assertThat(scan.stream().map(Sim.Rec::dst).distinct()).hasSize(1);
        assertThat(scan).allSatisfy(r -> assertThat(r.start()).isBetween(T0 + 120, T0 + 299));
        Set<Integer> rejectedPorts = scan.stream().filter(r -> r.action().equals("REJECT")).map(Sim.Rec::dstport)
                .collect(Collectors.toSet());
        assertThat(rejectedPorts).hasSizeGreaterThan(500);
        // the scanned web host answers on its open ports
        assertThat(scan.stream().filter(r -> r.action().equals("ACCEPT")).map(Sim.Rec::dstport).collect(Collectors.toSet()))
                .isSubsetOf(80, 443);

        List<Sim.Rec> without = run("scenarios.port-scan.enabled = false", 80_000);
        assertThat(without).noneMatch(r -> r.ok() && (r.src().equals(SCANNER) || r.dst().equals(SCANNER)));
    }

    @Test
    void exfiltrationIsOneHostsEgressFarAboveItsBaseline() {
        List<Sim.Rec> recs = run("", 80_000);
        List<Sim.Rec> exfil = recs.stream().filter(r -> r.ok() && r.dst().equals(DESTINATION)).toList();
        // 2 records/s for 2 minutes: 240 expected
        assertThat(exfil).hasSizeBetween(180, 300);
        assertThat(exfil.stream().map(Sim.Rec::src).distinct()).hasSize(1);
        String host = exfil.get(0).src();
        assertThat(exfil).allSatisfy(r -> {
            assertThat(r.action()).isEqualTo("ACCEPT");
            assertThat(r.dstport()).isEqualTo(443);
            assertThat(r.bytes()).isBetween(20_000_000L, 250_000_000L);
            assertThat(r.start()).isBetween(T0 + 240, T0 + 359);
        });
        long during = bytesFrom(recs, host, T0 + 240, T0 + 360);
        long before = bytesFrom(recs, host, T0 + 120, T0 + 240);
        assertThat(during).isGreaterThan(20 * Math.max(before, 1));

        List<Sim.Rec> without = run("scenarios.exfiltration.enabled = false", 80_000);
        assertThat(without).noneMatch(r -> r.ok() && r.dst().equals(DESTINATION));
        assertThat(bytesFrom(without, host, T0 + 240, T0 + 360)).isLessThan(during / 20);
    }

    @Test
    void scenariosRecurEveryRepeatAndOnlyThen() {
        List<Sim.Rec> recs = run("scenarios { port-scan.enabled = false, exfiltration.enabled = false, "
                + "ssh-brute-force { at = 10s, duration = 10s, repeat = 60s, rate = 20 } }", 200 * 150);
        Set<Long> minutesAttacked = new HashSet<>();
        for (Sim.Rec r : recs) {
            if (r.ok() && r.src().equals(ATTACKER)) {
                long offset = r.start() - T0;
                assertThat(offset % 60).as("offset %d", offset).isBetween(10L, 19L);
                minutesAttacked.add(offset / 60);
            }
        }
        assertThat(minutesAttacked).containsExactly(0L, 1L, 2L);

        List<Sim.Rec> once = run("scenarios { port-scan.enabled = false, exfiltration.enabled = false, "
                + "ssh-brute-force { at = 10s, duration = 10s, repeat = 0s, rate = 20 } }", 200 * 150);
        assertThat(once.stream().filter(r -> r.ok() && r.src().equals(ATTACKER)).map(r -> r.start() - T0))
                .isNotEmpty().allMatch(o -> o >= 10 && o < 20);
    }

    @Test
    void aScenarioAskingForMoreThanTheSourceRateTakesEveryRecordWhileItLasts() {
        List<Sim.Rec> recs = Sim.recs(Sim.open(Sim.FAST + ", rate = 10, scenarios { port-scan.enabled = false, "
                + "exfiltration.enabled = false, ssh-brute-force { at = 0s, duration = 60s, rate = 20 } }", state).lines(1_200));
        assertThat(recs.subList(0, 600)).allMatch(r -> r.src().equals(ATTACKER));
        assertThat(recs.subList(600, 1_200)).noneMatch(r -> r.ok() && r.src().equals(ATTACKER));
    }

    @Test
    void backgroundNeverLooksLikeAnAttack() {
        // default rate: five simulated minutes of plain background traffic
        List<Sim.Rec> recs = Sim.recs(Sim.open(Sim.FAST + ", " + Sim.NO_SCENARIOS, state).lines(2_000 * 300));
        Map<String, Integer> rejectsBySource = new HashMap<>();
        Map<String, Set<Integer>> portsBySource = new HashMap<>();
        for (Sim.Rec r : recs) {
            if (r.ok() && r.action().equals("REJECT")) {
                rejectsBySource.merge(r.src(), 1, Integer::sum);
                portsBySource.computeIfAbsent(r.src(), k -> new HashSet<>()).add(r.dstport());
            }
        }
        assertThat(rejectsBySource.values().stream().mapToInt(Integer::intValue).max().orElse(0)).isLessThan(100);
        assertThat(portsBySource.values().stream().mapToInt(Set::size).max().orElse(0)).isLessThan(50);
    }

    @Test
    void injectedRecordsAreCountedPerScenario() {
        Sim sim = Sim.open(BASE, state);
        List<Sim.Rec> recs = Sim.recs(sim.lines(80_000));
        assertThat(sim.ctx.metrics().value("simulator_records_total")).isEqualTo(80_000);
        assertThat(sim.ctx.metrics().value("simulator_ssh_brute_force_records_total"))
                .isEqualTo(recs.stream().filter(r -> r.ok() && r.src().equals(ATTACKER)).count());
        assertThat(sim.ctx.metrics().value("simulator_port_scan_records_total"))
                .isEqualTo(recs.stream().filter(r -> r.ok() && r.src().equals(SCANNER)).count());
        assertThat(sim.ctx.metrics().value("simulator_exfiltration_records_total"))
                .isEqualTo(recs.stream().filter(r -> r.ok() && r.dst().equals(DESTINATION)).count());
    }

    private static long bytesFrom(List<Sim.Rec> recs, String host, long from, long to) {
        return recs.stream().filter(r -> r.ok() && r.src().equals(host) && r.start() >= from && r.start() < to)
                .mapToLong(Sim.Rec::bytes).sum();
    }
}
