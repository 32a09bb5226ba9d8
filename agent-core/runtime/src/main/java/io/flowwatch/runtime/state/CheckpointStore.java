package io.flowwatch.runtime.state;

import io.flowwatch.runtime.metrics.AgentMetrics;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Committed source positions, one file per source under {@code state-dir/checkpoints/}. The
 * runtime is the only writer (sources never commit), and writes are atomic, so after a crash a
 * file holds the last committed map, never a partial one.
 */
public final class CheckpointStore {

    private final Path dir;
    private final AgentMetrics metrics;

    public CheckpointStore(Path stateDir) {
        this(stateDir, null);
    }

    /** @param metrics where failed writes are counted ({@code flowwatch_state_write_failures_total{file="checkpoint"}}), or null */
    public CheckpointStore(Path stateDir, AgentMetrics metrics) {
        this.dir = stateDir.resolve("checkpoints");
        this.metrics = metrics;
    }

    /** The committed positions of a source; empty when it never committed. */
    public Map<String, String> load(String source) throws IOException {
        Path file = fileOf(source);
        if (!Files.exists(file)) {
            return Map.of();
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": corrupt checkpoint file: " + e.getMessage(), e);
        }
        Map<String, String> out = new TreeMap<>();
        for (String k : p.stringPropertyNames()) {
            out.put(k, p.getProperty(k));
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * Replaces a source's committed positions atomically. When the write fails (disk full) the
     * file keeps the previous positions and the exception names state-dir, the file and the cause.
     */
    public void save(String source, Map<String, String> positions) throws IOException {
        Properties p = new Properties() {
            private static final long serialVersionUID = 1L;

            // Sorted keys make the file diffable and the write deterministic.
            @Override
            public synchronized java.util.Enumeration<Object> keys() {
                return Collections.enumeration(new java.util.TreeSet<>(super.keySet()));
            }

            @Override
            public java.util.Set<Map.Entry<Object, Object>> entrySet() {
                java.util.Set<Map.Entry<Object, Object>> sorted = new java.util.TreeSet<>(
                        (a, b) -> a.getKey().toString().compareTo(b.getKey().toString()));
                sorted.addAll(super.entrySet());
                return sorted;
            }
        };
        p.putAll(positions);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.store(out, "flowwatch committed positions of source " + source);
        Path file = fileOf(source);
        try {
            AtomicFiles.write(file, out.toByteArray());
        } catch (IOException e) {
            if (metrics != null) {
                metrics.stateWriteFailures.labels("checkpoint").inc();
            }
            throw new IOException("state-dir: cannot write checkpoint " + file + ": " + StateDir.reason(e)
                    + " (the previous positions stay committed; the batch will be re-read, not lost)", e);
        }
    }

    private Path fileOf(String source) {
        // Source names are config keys; keep the file name safe whatever they contain.
        String safe = source.replaceAll("[^A-Za-z0-9._-]", "_");
        return dir.resolve(safe + ".properties");
    }
}
