package io.flowwatch.plugin.simulator;

/**
 * SplitMix64 (the generator behind {@link java.util.SplittableRandom}) with a state that can be
 * re-seeded in place: the generator draws every record from {@code reset(seed, index)}, which is
 * what makes record {@code i} a pure function of the seed and {@code i} without allocating a
 * generator per record. Not thread-safe.
 */
final class Rng {

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private long state;

    Rng() {
    }

    Rng(long seed, long stream) {
        reset(seed, stream);
    }

    /** Starts the sequence of draws for one (seed, stream) pair, e.g. (seed, record index). */
    void reset(long seed, long stream) {
        state = mix(seed ^ mix(stream * GOLDEN_GAMMA + 0x632BE59BD9B4E019L));
    }

    long nextLong() {
        state += GOLDEN_GAMMA;
        return mix(state);
    }

    /** Uniform in [0, bound), bound > 0 (multiply-shift: no division, bias below 2^-32). */
    int nextInt(int bound) {
        return (int) (((nextLong() >>> 32) * bound) >>> 32);
    }

    /** Uniform in [from, to], inclusive. */
    int between(int from, int to) {
        return from + nextInt(to - from + 1);
    }

    /** Uniform in [0, 1). */
    double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** True with probability p. */
    boolean chance(double p) {
        return nextDouble() < p;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
