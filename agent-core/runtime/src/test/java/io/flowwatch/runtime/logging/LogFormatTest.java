package io.flowwatch.runtime.logging;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class LogFormatTest {

    private final ByteArrayOutputStream warnings = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(warnings, true, StandardCharsets.UTF_8);

    @Test
    void theEnvironmentChoosesAndTheSystemPropertyWins() {
        assertThat(LogFormat.resolve(null, "json", null, null, out)).isEqualTo(LogFormat.JSON);
        assertThat(LogFormat.resolve(null, " JSON ", null, null, out)).isEqualTo(LogFormat.JSON);
        assertThat(LogFormat.resolve("text", "json", null, null, out)).isEqualTo(LogFormat.TEXT);
        assertThat(LogFormat.resolve(null, "json", "8:42", "8:42", out)).as("explicit beats the journal").isEqualTo(LogFormat.JSON);
        assertThat(warnings.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void journalWhenStderrIsTheStreamSystemdNamesElseText() {
        assertThat(LogFormat.resolve(null, null, "8:42", "8:42", out)).isEqualTo(LogFormat.JOURNAL);
        assertThat(LogFormat.resolve(null, "", "8:42", "8:43", out)).isEqualTo(LogFormat.TEXT);
        assertThat(LogFormat.resolve(null, null, null, "8:42", out)).isEqualTo(LogFormat.TEXT);
        assertThat(LogFormat.resolve(null, null, "8:42", null, out)).isEqualTo(LogFormat.TEXT);
    }

    @Test
    void anUnknownFormatIsNamedAndLogsAsText() {
        assertThat(LogFormat.resolve(null, "xml", null, null, out)).isEqualTo(LogFormat.TEXT);
        assertThat(warnings.toString(StandardCharsets.UTF_8))
                .isEqualTo("flowwatch: FLOWWATCH_LOG_FORMAT=xml: expected text, journal or json; logging as text" + System.lineSeparator());
    }

    @Test
    void stderrIdIsDeviceColonInode() {
        assertThat(LogFormat.stderrId()).matches("\\d+:\\d+");
    }
}
