package io.flowwatch.plugin.s3;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.util.List;

/** Collects what the source logs, so tests can check that a problem is reported with its origin. */
final class LogCapture implements AutoCloseable {

    private final Logger logger = (Logger) LoggerFactory.getLogger(S3Source.class);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    LogCapture() {
        appender.start();
        logger.addAppender(appender);
    }

    /** Formatted messages at {@code level} or above. */
    List<String> messages(Level level) {
        synchronized (appender.list) {
            return appender.list.stream()
                    .filter(e -> e.getLevel().isGreaterOrEqual(level))
                    .map(ILoggingEvent::getFormattedMessage)
                    .toList();
        }
    }

    List<String> warnings() {
        return messages(Level.WARN);
    }

    List<String> errors() {
        return messages(Level.ERROR);
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
    }
}
