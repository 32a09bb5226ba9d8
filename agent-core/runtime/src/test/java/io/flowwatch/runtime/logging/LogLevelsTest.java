package io.flowwatch.runtime.logging;

import ch.qos.logback.classic.Level;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LogLevelsTest {

    @Test
    void entriesSeparatedByCommasOrSpacesRootIncluded() {
        LogLevels.Parsed p = LogLevels.parse("root=warn, io.flowwatch=DEBUG  software.amazon.awssdk=info", "FLOWWATCH_LOG_LEVELS");
        assertThat(p.problems()).isEmpty();
        assertThat(p.levels()).containsExactly(
                java.util.Map.entry("ROOT", Level.WARN),
                java.util.Map.entry("io.flowwatch", Level.DEBUG),
                java.util.Map.entry("software.amazon.awssdk", Level.INFO));
    }

    @Test
    void badEntriesAreNamedWithTheVariableAndTheRestStillApplies() {
        LogLevels.Parsed p = LogLevels.parse("io.flowwatch=LOUD,=INFO,justaname,org.pf4j=OFF", "FLOWWATCH_LOG_LEVELS");
        assertThat(p.levels()).containsExactly(java.util.Map.entry("org.pf4j", Level.OFF));
        assertThat(p.problems()).hasSize(3).allMatch(s -> s.startsWith("FLOWWATCH_LOG_LEVELS: '"));
        assertThat(p.problems().get(0)).contains("'io.flowwatch=LOUD'").contains("TRACE, DEBUG, INFO, WARN, ERROR, OFF");
    }

    @Test
    void unsetOrBlankMeansNothing() {
        assertThat(LogLevels.parse(null, "x").levels()).isEmpty();
        assertThat(LogLevels.parse("  ", "x").problems()).isEmpty();
    }
}
