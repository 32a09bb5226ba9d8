package io.flowwatch.api.source;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class NewlinesTest {

    @Test
    void agreesWithAByteByByteSearchAtEveryAlignmentAndNeighbourOfALineBreak() {
        SplittableRandom random = new SplittableRandom(42);
        // Bytes next to '\n' in value (0x09, 0x0B, 0x8A, 0xFF, 0x00) are where word tricks go wrong.
        byte[] alphabet = {'\n', 0x09, 0x0B, (byte) 0x8A, (byte) 0xFF, 0x00, 'a', ' ', '\n'};
        for (int round = 0; round < 5_000; round++) {
            byte[] b = new byte[random.nextInt(0, 40)];
            for (int i = 0; i < b.length; i++) {
                b[i] = random.nextInt(4) == 0 ? alphabet[random.nextInt(alphabet.length)] : (byte) random.nextInt(256);
            }
            int from = b.length == 0 ? 0 : random.nextInt(b.length + 1);
            int to = from + random.nextInt(b.length - from + 1);
            assertThat(Newlines.indexOf(b, from, to)).as("indexOf round %d", round).isEqualTo(naiveIndexOf(b, from, to));
            assertThat(Newlines.lastIndexOf(b, from, to)).as("lastIndexOf round %d", round).isEqualTo(naiveLastIndexOf(b, from, to));
            assertThat(Newlines.count(b, from, to)).as("count round %d", round).isEqualTo(naiveCount(b, from, to));
        }
    }

    @Test
    void noLineBreakIsMinusOneAndZero() {
        byte[] b = "no line break in here at all, not one".getBytes();
        assertThat(Newlines.indexOf(b, 0, b.length)).isEqualTo(-1);
        assertThat(Newlines.lastIndexOf(b, 0, b.length)).isEqualTo(-1);
        assertThat(Newlines.count(b, 0, b.length)).isZero();
        byte[] all = "\n\n\n\n\n\n\n\n\n\n".getBytes();
        assertThat(Newlines.count(all, 0, all.length)).isEqualTo(10);
        assertThat(Newlines.lastIndexOf(all, 0, all.length)).isEqualTo(9);
    }

    private static int naiveIndexOf(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static int naiveLastIndexOf(byte[] b, int from, int to) {
        for (int i = to - 1; i >= from; i--) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static int naiveCount(byte[] b, int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) {
            n += b[i] == '\n' ? 1 : 0;
        }
        return n;
    }
}
