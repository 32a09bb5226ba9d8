package io.flowwatch.plugin.simulator;

import io.flowwatch.api.source.SourceBatch;
import io.flowwatch.testkit.MutableClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SimulatorDeterminismTest {

    @TempDir
    Path state;

    @Test
    void sameSeedGivesIdenticalRecords() {
        List<String> a = Sim.open(Sim.FAST + ", seed = 42", state).lines(20_000);
        List<String> b = Sim.open(Sim.FAST + ", seed = 42", state).lines(20_000);
        assertThat(a).hasSize(20_000);
        assertThat(b).isEqualTo(a);
    }

    @Test
    void differentSeedGivesDifferentHostsAndTraffic() {
        List<String> a = Sim.open(Sim.FAST + ", seed = 42", state).lines(5_000);
        List<String> b = Sim.open(Sim.FAST + ", seed = 43", state).lines(5_000);
        long same = 0;
        for (int i = 0; i < a.size(); i++) {
            if (a.get(i).equals(b.get(i))) {
                same++;
            }
        }
        assertThat(same).isZero();
        // not just shuffled: other interfaces exist
        assertThat(Sim.recs(a).stream().map(Sim.Rec::eni).distinct())
                .doesNotContainAnyElementsOf(Sim.recs(b).stream().map(Sim.Rec::eni).distinct().toList());
    }

    @Test
    void resumingFromACommittedPositionContinuesExactly() {
        String conf = Sim.FAST + ", seed = 7, batch-size = 1000";
        List<String> uninterrupted = Sim.open(conf, state).lines(12_000);

        Sim first = Sim.open(conf, state);
        List<String> resumed = new ArrayList<>(first.lines(5_000));
        assertThat(first.committed).containsEntry(SimulatorSource.PARTITION, "5000@" + Sim.T0.getEpochSecond());

        Sim second = Sim.open(conf, state, new MutableClock(Sim.T0.plusSeconds(3600)), first.committed);
        SourceBatch b = second.poll();
        assertThat(b.chunks().get(0).firstLine()).isEqualTo(5_001);
        resumed.addAll(Sim.lines(b.chunks().get(0)));
        resumed.addAll(second.lines(12_000 - resumed.size()));
        assertThat(resumed).isEqualTo(uninterrupted);
    }

    @Test
    void startNowIsTakenFromTheClockOnceAndKeptInThePosition() {
        String conf = "realtime = false, start = now, seed = 3, batch-size = 500";
        Instant firstOpen = Instant.parse("2025-03-01T12:00:00Z");
        Sim first = Sim.open(conf, state, new MutableClock(firstOpen), Map.of());
        List<String> before = first.lines(500);
        assertThat(Sim.recs(before).stream().filter(Sim.Rec::ok).map(Sim.Rec::start).distinct())
                .containsExactly(firstOpen.getEpochSecond());
        assertThat(first.committed.get(SimulatorSource.PARTITION)).isEqualTo("500@" + firstOpen.getEpochSecond());

        // Restarted a day later: the timeline continues from the committed start, not from the new "now".
        Sim second = Sim.open(conf, state, new MutableClock(firstOpen.plus(Duration.ofDays(1))), first.committed);
        List<String> after = second.lines(500);
        List<String> uninterrupted = Sim.open(conf, state, new MutableClock(firstOpen), Map.of()).lines(1_000);
        assertThat(after).isEqualTo(uninterrupted.subList(500, 1_000));
    }

    @Test
    void anUnreadablePositionStartsOverInsteadOfFailing() {
        String conf = Sim.FAST + ", seed = 9";
        List<String> fresh = Sim.open(conf, state).lines(100);
        Sim sim = Sim.open(conf, state, new MutableClock(Sim.T0), Map.of(SimulatorSource.PARTITION, "garbage"));
        assertThat(sim.lines(100)).isEqualTo(fresh);
    }

    @Test
    void recordTimesAdvanceAtRatePerSimulatedSecond() {
        List<Sim.Rec> recs = Sim.recs(Sim.open(Sim.FAST + ", rate = 100, " + Sim.NO_SCENARIOS, state).lines(1_000));
        long t0 = Sim.T0.getEpochSecond();
        for (int i = 0; i < recs.size(); i++) {
            Sim.Rec r = recs.get(i);
            if (r.ok()) {
                assertThat(r.start()).as("record %d", i).isEqualTo(t0 + i / 100);
            }
        }
    }
}
