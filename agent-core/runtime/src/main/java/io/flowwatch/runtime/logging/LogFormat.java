package io.flowwatch.runtime.logging;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The log format, chosen without editing logback.xml: {@code FLOWWATCH_LOG_FORMAT} in the
 * environment (or {@code -Dflowwatch.log.format}) names one of the values; unset, it is
 * {@link #JOURNAL} when stderr is systemd's journal and {@link #TEXT} otherwise. The names are
 * the {@code <format>} of each appender's {@link LogFormatFilter} in conf/logback.xml.
 */
public enum LogFormat {
    /** Human-readable lines with a UTC timestamp. */
    TEXT,
    /** Like text, without the timestamp (journald stamps each line) and with a {@code <N>} syslog priority prefix. */
    JOURNAL,
    /** One JSON object per line (logback's JsonEncoder). */
    JSON;

    /** The environment variable users set. */
    public static final String ENV = "FLOWWATCH_LOG_FORMAT";
    /** The system property, for a JVM option; it wins over the environment. */
    public static final String PROPERTY = "flowwatch.log.format";

    /**
     * Picks the format. {@code journalStream} is systemd's {@code JOURNAL_STREAM} ("device:inode"
     * of the journal's socket) and {@code stderrId} the same for our stderr: equal means stderr goes
     * to the journal (systemd's documented test; a child that inherited the variable but writes
     * elsewhere does not match). An unknown value is reported on {@code warnings} and gives text.
     */
    static LogFormat resolve(String property, String env, String journalStream, String stderrId, PrintStream warnings) {
        String[][] explicit = {{property, "-D" + PROPERTY}, {env, ENV}};
        for (String[] e : explicit) {
            if (e[0] != null && !e[0].isBlank()) {
                try {
                    return valueOf(e[0].strip().toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException bad) {
                    warnings.println("flowwatch: " + e[1] + "=" + e[0] + ": expected text, journal or json; logging as text");
                    return TEXT;
                }
            }
        }
        if (journalStream != null && !journalStream.isBlank() && journalStream.strip().equals(stderrId)) {
            return JOURNAL;
        }
        return TEXT;
    }

    private static volatile LogFormat current;

    /** The format for this process, from its system properties, environment and stderr; decided once. */
    public static LogFormat current() {
        LogFormat f = current;
        if (f == null) {
            synchronized (LogFormat.class) {
                f = current;
                if (f == null) {
                    f = resolve(System.getProperty(PROPERTY), System.getenv(ENV), System.getenv("JOURNAL_STREAM"), stderrId(), System.err);
                    current = f;
                }
            }
        }
        return f;
    }

    /** "device:inode" of file descriptor 2, as systemd writes JOURNAL_STREAM; null where /proc is missing. */
    static String stderrId() {
        try {
            Path fd2 = Path.of("/proc/self/fd/2");
            return Files.getAttribute(fd2, "unix:dev") + ":" + Files.getAttribute(fd2, "unix:ino");
        } catch (Exception e) {
            return null; // not Linux, or no procfs: not under systemd either
        }
    }
}
