package io.flowwatch.plugin.rules;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DistinctCounterTest {

    @Test
    void countsExactlyUpToTheLimitIncludingZeroAndNegativeValues() {
        DistinctCounter c = new DistinctCounter(1000);
        for (int round = 0; round < 2; round++) {
            for (long v = -500; v < 500; v++) {
                c.add(v * 7919);
            }
        }
        assertThat(c.exact()).isTrue();
        assertThat(c.count()).isEqualTo(1000);
    }

    @Test
    void switchesToTheSketchOnlyPastTheLimitAndKeepsTheValuesSeenSoFar() {
        DistinctCounter c = new DistinctCounter(10);
        for (long v = 0; v < 10; v++) {
            assertThat(c.add(v)).isTrue();
        }
        assertThat(c.add(3)).isFalse();
        assertThat(c.exact()).isTrue();
        c.add(10);
        assertThat(c.exact()).isFalse();
        assertThat(c.count()).isEqualTo(11); // HLL is exact-ish for tiny counts
    }

    @Test
    void anExactLimitOfZeroSketchesFromTheStart() {
        DistinctCounter c = new DistinctCounter(0);
        c.add(1);
        c.add(1);
        assertThat(c.exact()).isFalse();
        assertThat(c.count()).isEqualTo(1);
    }

    @Test
    void stringHashesSeparateSimilarAddresses() {
        DistinctCounter c = new DistinctCounter(70_000);
        for (int i = 0; i < 65_536; i++) {
            c.add(DistinctCounter.hash("10.0." + (i >> 8) + "." + (i & 255)));
        }
        assertThat(c.exact()).isTrue();
        assertThat(c.count()).isEqualTo(65_536);
    }
}
