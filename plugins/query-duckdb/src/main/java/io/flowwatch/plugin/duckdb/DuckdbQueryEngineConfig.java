package io.flowwatch.plugin.duckdb;

import com.typesafe.config.Config;
import io.flowwatch.api.config.ConfigReader;
import io.flowwatch.api.record.FlowFormat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * A {@code duckdb} engine's settings; the keys are documented in this plugin's {@code reference.conf}.
 *
 * @param path        the root directory of the flow logs
 * @param format      the format of text files without a header line ({@link FlowFormat#DEFAULT} unless set)
 * @param threads     DuckDB worker threads
 * @param memoryLimit bytes DuckDB may use
 * @param rowLimit    the most rows one query returns
 * @param timeout     how long one query may run
 */
public record DuckdbQueryEngineConfig(Path path, FlowFormat format, int threads, long memoryLimit, long rowLimit,
                                      Duration timeout) {

    static final long MIN_MEMORY = 64L * 1024 * 1024;
    static final long MAX_ROW_LIMIT = 100_000_000L;

    public DuckdbQueryEngineConfig {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(timeout, "timeout");
        if (threads < 1 || memoryLimit < MIN_MEMORY || rowLimit < 1 || timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("threads, memory-limit, row-limit and timeout must be positive");
        }
    }

    /**
     * Reads and checks an engine block (reference defaults already applied), reporting every problem at once.
     *
     * @param where the block's full path for messages, e.g. {@code flowwatch.query-engines.default}
     * @throws io.flowwatch.api.FlowwatchException listing every problem found
     */
    public static DuckdbQueryEngineConfig read(Config config, String where) {
        ConfigReader r = new ConfigReader(config, where);
        Path path = null;
        if (r.has("path")) {
            path = r.parsed("path", "a directory", DuckdbQueryEngineConfig::toPath);
        } else {
            r.problem("path", "expected the flow-log directory, such as \"data/flowlogs\", but the key is missing");
        }
        FlowFormat format = r.has("format")
                ? r.parsed("format", "a flow-log format such as \"${version} ${srcaddr} ${dstaddr}\"", FlowFormat::parse)
                : FlowFormat.DEFAULT;
        int threads = r.integer("threads", 1, 256);
        int before = r.problems().size();
        long memory = r.bytes("memory-limit");
        if (r.problems().size() == before && memory < MIN_MEMORY) {
            r.problem("memory-limit", "expected a size of at least 64MiB, got " + memory + " bytes");
        }
        long rowLimit = r.longValue("row-limit", 1, MAX_ROW_LIMIT);
        before = r.problems().size();
        Duration timeout = r.duration("timeout");
        if (r.problems().size() == before && timeout.isZero()) {
            r.problem("timeout", "expected a duration greater than zero, such as 5m");
        }
        r.throwIfProblems();
        return new DuckdbQueryEngineConfig(path, format, threads, memory, rowLimit, timeout);
    }

    private static Path toPath(String s) {
        if (s.isBlank()) {
            throw new IllegalArgumentException("the path is empty");
        }
        return Path.of(s);
    }
}
