package io.flowwatch.plugin.directory;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FileOffsetTest {

    @Test
    void encodesAndParsesBackIncludingAUnixFileKey() {
        FileOffset o = new FileOffset(123456789012L, 4242, "(dev=803,ino=1234567)");

        assertThat(o.encode()).isEqualTo("123456789012:4242@(dev=803,ino=1234567)");
        assertThat(FileOffset.parse(o.encode())).isEqualTo(o);
        assertThat(FileOffset.parse("0:1@-")).isEqualTo(new FileOffset(0, 1, FileOffset.NO_KEY));
    }

    @Test
    void rejectsWhatItDidNotWrite() {
        for (String bad : new String[] {"", "done", "12", "12:3", "12:3@", ":3@k", "12:@k", "x:3@k", "-1:3@k", "12:0@k"}) {
            assertThatThrownBy(() -> FileOffset.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
