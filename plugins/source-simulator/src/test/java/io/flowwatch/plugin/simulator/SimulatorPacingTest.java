package io.flowwatch.plugin.simulator;

import io.flowwatch.api.source.SourceBatch;
import io.flowwatch.testkit.MutableClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Limits, "caught up", and realtime pacing by the context's clock. */
class SimulatorPacingTest {

    @TempDir
    Path state;

    static int size(SourceBatch b) {
        return b.chunks().isEmpty() ? 0 : Sim.lines(b.chunks().get(0)).size();
    }

    @Test
    void aLimitStopsTheStreamAndEveryLaterPollIsEmptyAndCaughtUp() {
        Sim sim = Sim.open(Sim.FAST + ", limit = 2500, batch-size = 1000", state);
        SourceBatch a = sim.poll();
        SourceBatch b = sim.poll();
        SourceBatch c = sim.poll();
        assertThat(size(a)).isEqualTo(1000);
        assertThat(a.caughtUp()).isFalse();
        assertThat(size(b)).isEqualTo(1000);
        assertThat(b.caughtUp()).isFalse();
        assertThat(size(c)).isEqualTo(500);
        assertThat(c.caughtUp()).isTrue(); // `run --once` stops right after the last record
        for (int i = 0; i < 3; i++) {
            SourceBatch after = sim.poll();
            assertThat(after.isEmpty()).isTrue();
            assertThat(after.caughtUp()).isTrue();
        }
        assertThat(sim.committed).containsEntry(SimulatorSource.PARTITION, "2500@" + Sim.T0.getEpochSecond());
    }

    @Test
    void theLimitCountsFromTheFirstRunAcrossRestarts() {
        Sim first = Sim.open(Sim.FAST + ", limit = 2500, batch-size = 1000", state);
        first.poll();
        Sim second = Sim.open(Sim.FAST + ", limit = 2500, batch-size = 1000", state, new MutableClock(Sim.T0), first.committed);
        SourceBatch b = second.poll();
        assertThat(size(b)).isEqualTo(1000);
        assertThat(size(second.poll())).isEqualTo(500);
        assertThat(second.poll().isEmpty()).isTrue();
    }

    @Test
    void withoutRealtimeOrLimitTheStreamIsNeverCaughtUp() {
        Sim sim = Sim.open(Sim.FAST + ", batch-size = 1000", state);
        for (int i = 0; i < 20; i++) {
            SourceBatch b = sim.poll();
            assertThat(size(b)).isEqualTo(1000);
            assertThat(b.caughtUp()).isFalse();
        }
    }

    @Test
    void realtimeHandsOverWhatTheClockSaysIsDue() {
        MutableClock clock = new MutableClock(Sim.T0);
        Sim sim = Sim.open("realtime = true, rate = 1000, batch-size = 500", state, clock, Map.of());

        SourceBatch nothingYet = sim.poll();
        assertThat(nothingYet.isEmpty()).isTrue();
        assertThat(nothingYet.caughtUp()).isTrue();

        clock.advance(Duration.ofMillis(250));
        SourceBatch quarter = sim.poll();
        assertThat(size(quarter)).isEqualTo(250);
        assertThat(quarter.caughtUp()).isTrue();

        clock.advance(Duration.ofSeconds(1)); // 1250 due, 250 handed over, batches of 500
        SourceBatch behind = sim.poll();
        assertThat(size(behind)).isEqualTo(500);
        assertThat(behind.caughtUp()).isFalse();
        SourceBatch rest = sim.poll();
        assertThat(size(rest)).isEqualTo(500);
        assertThat(rest.caughtUp()).isTrue();
        assertThat(sim.poll().isEmpty()).isTrue();
        assertThat(sim.committed).containsEntry(SimulatorSource.PARTITION, "1250@" + Sim.T0.getEpochSecond());
    }

    @Test
    void speedRunsSimulatedTimeFasterThanTheClock() {
        MutableClock clock = new MutableClock(Sim.T0);
        Sim sim = Sim.open("realtime = true, rate = 100, speed = 30, batch-size = 10000, " + Sim.NO_SCENARIOS, state,
                clock, Map.of());
        clock.advance(Duration.ofSeconds(1));
        SourceBatch b = sim.poll();
        assertThat(size(b)).isEqualTo(3000);
        // 3000 records at 100 per simulated second: 30 simulated seconds passed in one second
        Sim.Rec last = Sim.recs(Sim.lines(b.chunks().get(0))).stream().filter(Sim.Rec::ok).reduce((x, y) -> y).orElseThrow();
        assertThat(last.start()).isEqualTo(Sim.T0.getEpochSecond() + 29);
    }

    @Test
    void realtimeWithALimitIsCaughtUpAtTheLimit() {
        MutableClock clock = new MutableClock(Sim.T0);
        Sim sim = Sim.open("realtime = true, rate = 1000, limit = 1500, batch-size = 1000", state, clock, Map.of());
        clock.advance(Duration.ofSeconds(10));
        SourceBatch a = sim.poll();
        assertThat(size(a)).isEqualTo(1000);
        assertThat(a.caughtUp()).isFalse();
        SourceBatch b = sim.poll();
        assertThat(size(b)).isEqualTo(500);
        assertThat(b.caughtUp()).isTrue();
        assertThat(sim.poll().isEmpty()).isTrue();
    }

    @Test
    void aRestartResumesTheTimelineInsteadOfBurstingToCatchUp() {
        MutableClock clock = new MutableClock(Sim.T0);
        Sim first = Sim.open("realtime = true, rate = 1000, batch-size = 5000", state, clock, Map.of());
        clock.advance(Duration.ofSeconds(2));
        assertThat(size(first.poll())).isEqualTo(2000);

        clock.advance(Duration.ofHours(1)); // the agent was down for an hour
        Sim second = Sim.open("realtime = true, rate = 1000, batch-size = 5000", state, clock, first.committed);
        assertThat(second.poll().isEmpty()).isTrue();
        clock.advance(Duration.ofMillis(500));
        SourceBatch b = second.poll();
        assertThat(size(b)).isEqualTo(500);
        assertThat(b.chunks().get(0).firstLine()).isEqualTo(2001);
    }

    @Test
    void realtimeWaitsForAWholeBatchButNoLongerThanMaxWait() {
        MutableClock clock = new MutableClock(Sim.T0);
        Sim sim = Sim.open("realtime = true, rate = 1000, batch-size = 500", state, clock, Map.of());
        clock.advance(Duration.ofMillis(100));
        long t = System.nanoTime();
        SourceBatch b = sim.poll(Duration.ofMillis(300));
        long waitedMillis = (System.nanoTime() - t) / 1_000_000;
        assertThat(waitedMillis).isBetween(250L, 5_000L);
        assertThat(size(b)).isEqualTo(100);
    }

    @Test
    void wakeupEndsAWaitingPollEarly() throws Exception {
        Sim sim = Sim.open("realtime = true, rate = 1, batch-size = 1000", state);
        CompletableFuture<SourceBatch> polled = CompletableFuture.supplyAsync(() -> sim.poll(Duration.ofSeconds(30)));
        Thread.sleep(100);
        sim.source.wakeup();
        SourceBatch b = polled.get(10, TimeUnit.SECONDS);
        assertThat(b.isEmpty()).isTrue();
    }

    @Test
    void aWakeupBeforeThePollIsNotLost() {
        Sim sim = Sim.open("realtime = true, rate = 1, batch-size = 1000", state);
        sim.source.wakeup();
        long t = System.nanoTime();
        sim.poll(Duration.ofSeconds(30));
        assertThat((System.nanoTime() - t) / 1_000_000).isLessThan(10_000);
    }

    @Test
    void pacerArithmetic() {
        Pacer p = new Pacer(2000 * 30);
        p.anchor(1_000, 5_000);
        assertThat(p.due(1_000)).isEqualTo(5_000);
        assertThat(p.due(500)).isEqualTo(5_000); // a clock stepping back does not rewind
        assertThat(p.due(1_001)).isEqualTo(5_060);
        assertThat(p.due(2_000)).isEqualTo(65_000);
        assertThat(p.millisUntil(5_000, 1_000)).isZero();
        assertThat(p.millisUntil(5_060, 1_000)).isEqualTo(1);
        assertThat(p.millisUntil(65_000, 1_000)).isEqualTo(1_000);
        assertThat(p.millisUntil(65_001, 1_000)).isEqualTo(1_001);
        assertThat(p.due(Long.MAX_VALUE)).isPositive();
    }
}
