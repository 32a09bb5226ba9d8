package io.flowwatch.plugin.directory;

import com.typesafe.config.Config;
import io.flowwatch.api.config.ConfigReader;
import io.flowwatch.api.record.FlowFormat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * A {@code directory} source's settings; the keys are documented in this plugin's
 * {@code reference.conf}.
 *
 * @param path          the root directory
 * @param format        the format of files without a header line, or null for the runtime's default
 * @param pollInterval  how often the tree is scanned again once everything has been read
 * @param chunkSize     bytes of whole lines per chunk handed over
 * @param readAhead     chunks the reader thread may queue ahead of the pipeline
 * @param maxLineLength longer lines are skipped; less than {@code chunkSize} so a line always fits a chunk
 */
public record DirectorySourceConfig(Path path, FlowFormat format, Duration pollInterval, int chunkSize,
                                    int readAhead, int maxLineLength) {

    static final int MIN_CHUNK_SIZE = 1024;
    static final int MAX_CHUNK_SIZE = 256 * 1024 * 1024;
    static final int MAX_READ_AHEAD = 1024;

    public DirectorySourceConfig {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(pollInterval, "pollInterval");
        if (pollInterval.isZero() || pollInterval.isNegative()) {
            throw new IllegalArgumentException("poll-interval must be more than zero");
        }
        if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
            throw new IllegalArgumentException("chunk-size must be from 1KiB to 256MiB");
        }
        if (readAhead < 1 || readAhead > MAX_READ_AHEAD) {
            throw new IllegalArgumentException("read-ahead must be from 1 to " + MAX_READ_AHEAD);
        }
        if (maxLineLength < 1 || maxLineLength >= chunkSize) {
            throw new IllegalArgumentException("max-line-length must be at least 1 and less than chunk-size");
        }
    }

    /**
     * Reads and checks a source block (reference defaults already applied), reporting every
     * problem at once.
     *
     * @param where the block's full path for messages, e.g. {@code flowwatch.sources.local}
     * @throws io.flowwatch.api.FlowwatchException listing every problem found
     */
    public static DirectorySourceConfig read(Config config, String where) {
        ConfigReader r = new ConfigReader(config, where);
        Path path = r.parsed("path", "a directory", DirectorySourceConfig::toPath);
        FlowFormat format = r.has("format")
                ? r.parsed("format", "a flow-log format such as \"${version} ${srcaddr} ${dstaddr}\"", FlowFormat::parse)
                : null;

        int before = r.problems().size();
        Duration pollInterval = r.duration("poll-interval");
        if (r.problems().size() == before && pollInterval.isZero()) {
            r.problem("poll-interval", "expected a duration greater than zero, such as 2s");
        }

        before = r.problems().size();
        long chunkSize = r.bytes("chunk-size");
        boolean chunkSizeRead = r.problems().size() == before;
        if (chunkSizeRead && (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE)) {
            r.problem("chunk-size", "expected a size from 1KiB to 256MiB, got " + chunkSize + " bytes");
            chunkSizeRead = false;
        }

        int readAhead = r.integer("read-ahead", 1, MAX_READ_AHEAD);

        before = r.problems().size();
        long maxLineLength = r.bytes("max-line-length");
        if (r.problems().size() == before) {
            if (maxLineLength < 1) {
                r.problem("max-line-length", "expected a size of at least 1 byte, got " + maxLineLength);
            } else if (chunkSizeRead && maxLineLength >= chunkSize) {
                // A chunk must be able to hold the longest accepted line and its line break.
                r.problem("max-line-length", "expected a size less than chunk-size (" + chunkSize
                        + " bytes), got " + maxLineLength + " bytes");
            }
        }
        r.throwIfProblems();
        return new DirectorySourceConfig(path, format, pollInterval, (int) chunkSize, readAhead, (int) maxLineLength);
    }

    private static Path toPath(String s) {
        if (s.isBlank()) {
            throw new IllegalArgumentException("the path is empty");
        }
        return Path.of(s);
    }
}
