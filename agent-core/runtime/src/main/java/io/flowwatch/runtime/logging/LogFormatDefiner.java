package io.flowwatch.runtime.logging;

import ch.qos.logback.core.PropertyDefinerBase;

/**
 * Logback {@code <define>} that yields the appender name for {@link LogFormat#current()}, so
 * logback.xml picks its appender with {@code <appender-ref ref="${...}"/>} and no Janino.
 */
public final class LogFormatDefiner extends PropertyDefinerBase {
    @Override
    public String getPropertyValue() {
        return LogFormat.current().appenderName();
    }
}
