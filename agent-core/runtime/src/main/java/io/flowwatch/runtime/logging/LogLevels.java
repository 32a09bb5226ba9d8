package io.flowwatch.runtime.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggerContextListener;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.spi.LifeCycle;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Levels per logger from {@code FLOWWATCH_LOG_LEVELS} (or {@code -Dflowwatch.log.levels}), e.g.
 * {@code root=WARN,io.flowwatch=DEBUG}, applied over logback.xml's: declared as a
 * {@code <contextListener>} in logback.xml. Logback does not process the file's elements in
 * document order (loggers come after the appenders they need), so the listener also puts its
 * level back when the file later sets another on one of its loggers. A bad entry is reported on
 * stderr, naming the variable, and skipped; the others still apply.
 */
public final class LogLevels extends ContextAwareBase implements LoggerContextListener, LifeCycle {

    /** The environment variable users set. */
    public static final String ENV = "FLOWWATCH_LOG_LEVELS";
    /** The system property, for a JVM option; it wins over the environment. */
    public static final String PROPERTY = "flowwatch.log.levels";
    private static final Set<String> LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");

    private volatile Map<String, Level> levels = Map.of();
    private boolean started;

    /** Parsed levels and the problems found, each naming {@code origin}. */
    record Parsed(Map<String, Level> levels, List<String> problems) {
    }

    /** Parses "logger=LEVEL" entries separated by commas or whitespace; "root" is the root logger. */
    static Parsed parse(String spec, String origin) {
        Map<String, Level> levels = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        if (spec == null) {
            return new Parsed(levels, problems);
        }
        for (String entry : spec.split("[,\\s]+")) {
            if (entry.isEmpty()) {
                continue;
            }
            int eq = entry.indexOf('=');
            String name = eq < 0 ? "" : entry.substring(0, eq).strip();
            String level = eq < 0 ? "" : entry.substring(eq + 1).strip().toUpperCase(Locale.ROOT);
            if (name.isEmpty() || !LEVELS.contains(level)) {
                problems.add(origin + ": '" + entry + "': expected logger=LEVEL (LEVEL one of TRACE, DEBUG, INFO, WARN, ERROR, OFF;"
                        + " logger a package or class name, or root)");
            } else {
                levels.put(name.equalsIgnoreCase("root") ? Logger.ROOT_LOGGER_NAME : name, Level.toLevel(level));
            }
        }
        return new Parsed(levels, problems);
    }

    @Override
    public void start() {
        String property = System.getProperty(PROPERTY);
        Parsed parsed = property != null ? parse(property, "-D" + PROPERTY) : parse(System.getenv(ENV), ENV);
        LoggerContext lc = (LoggerContext) getContext();
        levels = Map.copyOf(parsed.levels());
        levels.forEach((name, level) -> lc.getLogger(name).setLevel(level));
        for (String p : parsed.problems()) {
            addWarn(p);
            // Logback's status only prints on errors; this one should be seen, but not stop the agent.
            System.err.println("flowwatch: " + p);
        }
        started = true;
    }

    @Override
    public void stop() {
        started = false;
    }

    @Override
    public boolean isStarted() {
        return started;
    }

    @Override
    public boolean isResetResistant() {
        return false;
    }

    @Override
    public void onStart(LoggerContext context) {
    }

    @Override
    public void onReset(LoggerContext context) {
    }

    @Override
    public void onStop(LoggerContext context) {
    }

    @Override
    public void onLevelChange(Logger logger, Level level) {
        Level wanted = levels.get(logger.getName());
        if (wanted != null && wanted != level) {
            logger.setLevel(wanted); // fires this again, with the wanted level: no loop
        }
    }
}
