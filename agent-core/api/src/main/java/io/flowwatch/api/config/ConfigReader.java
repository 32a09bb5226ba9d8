package io.flowwatch.api.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigValue;
import io.flowwatch.api.FlowwatchException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads one config block into typed values and collects every problem instead of stopping at
 * the first, so {@code flowwatch validate} can report them all as
 * {@code file:line: key: expected ...}. Typical use inside a factory's {@code create}:
 *
 * <pre>{@code
 * ConfigReader r = new ConfigReader(config, "flowwatch.sources." + ctx.name());
 * Path path = r.path("path");
 * Duration poll = r.duration("poll-interval");
 * r.throwIfProblems();
 * return new DirectorySource(new DirectorySourceConfig(path, poll), ctx);
 * }</pre>
 *
 * <p>A failed read returns a harmless placeholder (null, 0, empty) so reading can go on; the
 * caller must call {@link #throwIfProblems()} before using the values.
 */
public final class ConfigReader {

    private final Config config;
    private final String displayPrefix;
    private final List<FlowwatchException.Problem> problems = new ArrayList<>();

    /**
     * @param config        the block to read (with the plugin's reference defaults already applied)
     * @param displayPrefix the block's full path, prefixed to keys in messages (e.g. {@code flowwatch.sources.local})
     */
    public ConfigReader(Config config, String displayPrefix) {
        this.config = config;
        this.displayPrefix = displayPrefix == null || displayPrefix.isEmpty() ? "" : displayPrefix + ".";
    }

    public Config config() {
        return config;
    }

    public boolean has(String key) {
        return config.hasPath(key);
    }

    public String string(String key) {
        return read(key, "a string", config::getString, null);
    }

    /** An optional string: null when absent (or set to null). */
    public String optionalString(String key) {
        return config.hasPath(key) ? string(key) : null;
    }

    /** A string that must be one of {@code allowed}. */
    public String oneOf(String key, Set<String> allowed) {
        String v = string(key);
        if (v != null && !allowed.contains(v)) {
            problem(key, "expected one of " + String.join(", ", new java.util.TreeSet<>(allowed)) + ", got '" + v + "'");
            return null;
        }
        return v;
    }

    public boolean bool(String key) {
        Boolean b = read(key, "true or false", config::getBoolean, Boolean.FALSE);
        return b != null && b;
    }

    public int integer(String key, int min, int max) {
        Integer v = read(key, "an integer", config::getInt, null);
        if (v == null) {
            return min;
        }
        if (v < min || v > max) {
            problem(key, "expected an integer from " + min + " to " + max + ", got " + v);
            return min;
        }
        return v;
    }

    public long longValue(String key, long min, long max) {
        Long v = read(key, "an integer", config::getLong, null);
        if (v == null) {
            return min;
        }
        if (v < min || v > max) {
            problem(key, "expected an integer from " + min + " to " + max + ", got " + v);
            return min;
        }
        return v;
    }

    public double number(String key) {
        Double v = read(key, "a number", config::getDouble, 0.0);
        return v == null ? 0.0 : v;
    }

    /** A positive duration such as {@code 5m}, {@code 30s}, {@code 250ms}. */
    public Duration duration(String key) {
        Duration d = read(key, "a duration such as 30s, 5m or 1h", config::getDuration, Duration.ZERO);
        if (d != null && d.isNegative()) {
            problem(key, "expected a positive duration, got " + d);
            return Duration.ZERO;
        }
        return d == null ? Duration.ZERO : d;
    }

    /** A size in bytes such as {@code 4MiB} or {@code 65536}. */
    public long bytes(String key) {
        Long v = read(key, "a size such as 4MiB or 65536", config::getBytes, 0L);
        return v == null ? 0 : v;
    }

    public List<String> stringList(String key) {
        List<String> v = read(key, "a list of strings", config::getStringList, List.of());
        return v == null ? List.of() : List.copyOf(v);
    }

    /** Reads a string and converts it, recording the converter's {@link IllegalArgumentException} message. */
    public <T> T parsed(String key, String expected, Function<String, T> parser) {
        String s = string(key);
        if (s == null) {
            return null;
        }
        try {
            return parser.apply(s);
        } catch (RuntimeException e) {
            problem(key, "expected " + expected + ": " + e.getMessage());
            return null;
        }
    }

    /** Records a problem located at {@code key}'s origin (or the block's, when the key is absent). */
    public void problem(String key, String message) {
        problems.add(new FlowwatchException.Problem(originOf(key), displayPrefix + key, message));
    }

    public List<FlowwatchException.Problem> problems() {
        return List.copyOf(problems);
    }

    /** Throws a {@link FlowwatchException} listing every problem found so far, if any. */
    public void throwIfProblems() {
        if (!problems.isEmpty()) {
            throw new FlowwatchException(problems);
        }
    }

    /** {@code file:line} of a key's value, or of the enclosing block when the key is absent. */
    public String originOf(String key) {
        ConfigOrigin origin = null;
        try {
            if (key != null && config.hasPathOrNull(key)) {
                ConfigValue v = config.getValue(key);
                origin = v.origin();
            }
        } catch (ConfigException e) {
            origin = null;
        }
        if (origin == null) {
            origin = config.origin();
        }
        return describe(origin);
    }

    /** Renders an origin as {@code file:line}, the way every flowwatch message locates config. */
    public static String describe(ConfigOrigin origin) {
        if (origin == null) {
            return "";
        }
        String file = origin.filename();
        if (file == null && origin.url() != null) {
            file = origin.url().getPath();
        }
        if (file == null) {
            String d = origin.description();
            // A block merged with defaults reports "merge of a.conf: 4,reference.conf @ ...: 62": the user's part comes first.
            if (d.startsWith("merge of ")) {
                String first = d.substring("merge of ".length()).split(",", 2)[0].trim();
                int colon = first.lastIndexOf(": ");
                return colon > 0 && first.substring(colon + 2).chars().allMatch(Character::isDigit)
                        ? first.substring(0, colon) + ":" + first.substring(colon + 2) : first;
            }
            // A string parsed with an origin description reports "name: 12"; keep only the name.
            String suffix = ": " + origin.lineNumber();
            file = origin.lineNumber() > 0 && d.endsWith(suffix) ? d.substring(0, d.length() - suffix.length()) : d;
        }
        return origin.lineNumber() > 0 ? file + ":" + origin.lineNumber() : file;
    }

    private interface Getter<T> {
        T get(String key);
    }

    private <T> T read(String key, String expected, Getter<T> getter, T placeholder) {
        if (!config.hasPath(key)) {
            problem(key, "expected " + expected + ", but the key is missing");
            return placeholder;
        }
        try {
            return getter.get(key);
        } catch (ConfigException.WrongType | ConfigException.BadValue e) {
            String got;
            try {
                got = config.getValue(key).render(com.typesafe.config.ConfigRenderOptions.concise());
            } catch (ConfigException e2) {
                got = "?";
            }
            problem(key, "expected " + expected + ", got " + got);
            return placeholder;
        }
    }
}
