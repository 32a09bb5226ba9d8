package io.flowwatch.plugin.s3;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PartitionCursorTest {

    private static final long MARGIN = 900;

    @Test
    void encodesAndParsesBackIncludingKeysWithSeparators() {
        PartitionCursor c = new PartitionCursor();
        c.listedAt = 1_714_600_000L;
        c.after = "2024/05/02/a|b@c%d.log.gz";
        c.recent.put("2024/05/02/x.log.gz", 1_714_599_990L);
        c.recent.put("2024/05/02/a|b@c%d.log.gz", 1_714_599_999L);
        PartitionCursor back = PartitionCursor.parse(c.encode());
        assertThat(back.listedAt).isEqualTo(c.listedAt);
        assertThat(back.after).isEqualTo(c.after);
        assertThat(back.recent).isEqualTo(c.recent);
        assertThat(PartitionCursor.parse(new PartitionCursor().encode()).after).isNull();
        assertThatThrownBy(() -> PartitionCursor.parse("garbage")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PartitionCursor.parse("1|x|-")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void keysAfterTheLastAreNewAndKeysBeforeAreKnownByTimeOrByTheRecentSet() {
        PartitionCursor c = new PartitionCursor();
        c.listedAt = 10_000;
        c.record("2024/05/02/b", 9_990, MARGIN);   // recent: within the margin of the listing
        c.record("2024/05/02/c", 5_000, MARGIN);   // old: not remembered, known by its time
        assertThat(c.after).isEqualTo("2024/05/02/c");
        assertThat(c.recent).containsOnlyKeys("2024/05/02/b");

        assertThat(c.seen("2024/05/02/d", 1, MARGIN)).isFalse();          // after the last key
        assertThat(c.seen("2024/05/02/c", 5_000, MARGIN)).isTrue();       // before it and old
        assertThat(c.seen("2024/05/02/b", 9_990, MARGIN)).isTrue();       // recent and remembered
        assertThat(c.seen("2024/05/02/a", 10_050, MARGIN)).isFalse();     // written after the listing: late
        assertThat(c.seen("2024/05/02/a", 9_200, MARGIN)).isFalse();      // inside the margin: not known, so read

        // A new full listing forgets what its margin no longer needs, and what is before the window.
        assertThat(c.listed(20_000, MARGIN, "2024/05/02/")).isTrue();
        assertThat(c.recent).isEmpty();
        c.record("2024/05/01/z", 19_999, MARGIN);
        c.record("2024/05/02/e", 19_999, MARGIN);
        c.listed(20_010, MARGIN, "2024/05/02/");
        assertThat(c.recent).containsOnlyKeys("2024/05/02/e");
    }
}
