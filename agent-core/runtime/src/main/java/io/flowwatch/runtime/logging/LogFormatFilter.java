package io.flowwatch.runtime.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;

import java.util.Locale;

/**
 * Lets an appender write only when its {@code format} is the one chosen ({@link LogFormat#current()}).
 * logback.xml attaches one appender per format, each with this filter, so exactly one writes. (Not
 * an {@code <appender-ref>} picked by a variable: logback warns about each unreferenced appender,
 * and a warning makes it print its whole status list at every start.)
 */
public final class LogFormatFilter extends Filter<ILoggingEvent> {

    private LogFormat format;
    private boolean active;

    /** The format this filter's appender writes: text, journal or json. */
    public void setFormat(String format) {
        this.format = LogFormat.valueOf(format.strip().toUpperCase(Locale.ROOT));
    }

    @Override
    public void start() {
        if (format == null) {
            addError("LogFormatFilter needs <format>text|journal|json</format>");
            return;
        }
        active = format == LogFormat.current();
        super.start();
    }

    @Override
    public FilterReply decide(ILoggingEvent event) {
        return active ? FilterReply.NEUTRAL : FilterReply.DENY;
    }
}
