package io.flowwatch.runtime.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * Logback {@code %journalPriority}: the {@code <N>} prefix (syslog priority) journald reads from a
 * service's stderr, so {@code journalctl -p warning} and the colours work. journald strips it.
 */
public final class JournalPriorityConverter extends ClassicConverter {
    @Override
    public String convert(ILoggingEvent event) {
        return switch (event.getLevel().toInt()) {
            case Level.ERROR_INT -> "<3>";
            case Level.WARN_INT -> "<4>";
            case Level.INFO_INT -> "<6>";
            default -> "<7>";
        };
    }
}
