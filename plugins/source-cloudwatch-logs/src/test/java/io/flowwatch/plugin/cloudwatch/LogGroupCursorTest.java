package io.flowwatch.plugin.cloudwatch;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LogGroupCursorTest {

    @Test
    void positionRoundTrips() {
        GroupPosition p = new GroupPosition(5, 1000, 1200, Set.of("b", "a"));
        assertThat(p.encode()).isEqualTo("v1;floor=5;hwm=1000;ing=1200;ids=a,b");
        assertThat(GroupPosition.decode(p.encode())).isEqualTo(p);
        GroupPosition fresh = new GroupPosition(7, GroupPosition.NONE, GroupPosition.NONE, Set.of());
        assertThat(GroupPosition.decode(fresh.encode())).isEqualTo(fresh);
    }

    @Test
    void damagedPositionsSayWhatIsWrong() {
        assertThatThrownBy(() -> GroupPosition.decode("v9;floor=1")).hasMessageContaining("unknown position encoding");
        assertThatThrownBy(() -> GroupPosition.decode("v1;floor=x")).hasMessageContaining("bad number");
        assertThatThrownBy(() -> GroupPosition.decode("v1;hwm=1;ing=2")).hasMessageContaining("no floor");
        assertThatThrownBy(() -> GroupPosition.decode("v1;floor=1;hwm=1")).hasMessageContaining("both hwm and ing");
    }

    @Test
    void scanStartIsTheMarkMinusOverlapButNeverBeforeTheFloor() {
        LogGroupCursor c = new LogGroupCursor(1_000, 500);
        assertThat(c.scanStart()).isEqualTo(1_000);
        assertThat(c.accept("e1", 1_200, 1_300)).isTrue();
        assertThat(c.scanStart()).isEqualTo(1_000);
        assertThat(c.accept("e2", 3_000, 3_100)).isTrue();
        assertThat(c.scanStart()).isEqualTo(2_500);
    }

    @Test
    void eventsBeforeTheFloorAreNeverDelivered() {
        LogGroupCursor c = new LogGroupCursor(1_000, 500);
        assertThat(c.accept("old", 999, 2_000)).isFalse();
    }

    @Test
    void restoredCursorSkipsWhatWasDeliveredAndTakesWhatArrivedLater() {
        LogGroupCursor c = new LogGroupCursor(new GroupPosition(0, 10_000, 20_000, Set.of("x")), 5_000);
        assertThat(c.accept("old", 8_000, 19_000)).as("delivered before the restart").isFalse();
        assertThat(c.accept("late", 8_000, 20_001)).as("ingested after the last delivered event").isTrue();
        assertThat(c.accept("x", 10_000, 15_000)).as("listed at the mark").isFalse();
        assertThat(c.accept("y", 10_000, 15_000)).as("at the mark, not listed").isTrue();
        assertThat(c.accept("new", 10_001, 15_000)).isTrue();
        assertThat(c.accept("new", 10_001, 15_000)).isFalse();
    }

    @Test
    void beginScanForgetsIdsOlderThanTheScan() {
        LogGroupCursor c = new LogGroupCursor(0, 100);
        for (int i = 0; i < 10; i++) {
            c.accept("e" + i, i * 50L, i * 50L);
        }
        assertThat(c.rememberedIds()).isEqualTo(10);
        c.beginScan(c.scanStart()); // 450 - 100
        assertThat(c.rememberedIds()).isEqualTo(3); // 350, 400 and 450
        assertThat(c.accept("e9", 450, 450)).isFalse();
    }
}
