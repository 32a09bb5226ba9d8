package io.flowwatch.runtime.state;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.flowwatch.runtime.metrics.AgentMetrics;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * The committed checkpoint: every source's positions and the state of every rule that keeps
 * some, as of one moment, so that after a crash the records after the positions are read again
 * into exactly that state.
 *
 * <p>Layout under {@code state-dir/checkpoints/}:
 * <ul>
 *   <li>{@code checkpoint.json} — the manifest: generation, watermark, positions per source, and
 *       for each rule its state file and a hash of its definition. Replacing it atomically is the
 *       commit. It is plain JSON, so an operator can read (or rewind) positions.</li>
 *   <li>{@code rules-<generation>/<rule>.state} — one file per rule, each ending in a CRC-32, written
 *       and fsynced before the manifest that names them; older generations are deleted after.</li>
 * </ul>
 * A crash at any point leaves the previous manifest and the files it names intact. Files of the
 * older layout ({@code <source>.properties}, positions only) are read when there is no manifest.
 * The runtime is the only writer; sources never commit.
 */
public final class CheckpointStore {

    /** One rule's entry in the manifest. */
    public record RuleEntry(@JsonProperty("file") String file, @JsonProperty("definition") String definition) {
    }

    /** The manifest. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Manifest(@JsonProperty("generation") long generation,
                           @JsonProperty("watermark") Long watermark,
                           @JsonProperty("positions") Map<String, Map<String, String>> positions,
                           @JsonProperty("rules") Map<String, RuleEntry> rules) {
        public Manifest {
            positions = positions == null ? Map.of() : positions;
            rules = rules == null ? Map.of() : rules;
        }

        static Manifest empty() {
            return new Manifest(0, null, Map.of(), Map.of());
        }
    }

    /** Writes one rule's state; the store adds the checksum. */
    @FunctionalInterface
    public interface StateWriter {
        void write(OutputStream out) throws IOException;
    }

    /** Thrown by a {@link StateWriter} to leave its rule out of this checkpoint (the rest is committed). */
    public static final class SkipRule extends IOException {
        private static final long serialVersionUID = 1L;

        public SkipRule(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final String MANIFEST = "checkpoint.json";

    private final Path dir;
    private final AgentMetrics metrics;
    private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public CheckpointStore(Path stateDir) {
        this(stateDir, null);
    }

    /** @param metrics where failed writes are counted ({@code flowwatch_state_write_failures_total{file="checkpoint"}}), or null */
    public CheckpointStore(Path stateDir, AgentMetrics metrics) {
        this.dir = stateDir.resolve("checkpoints");
        this.metrics = metrics;
    }

    /** The last committed checkpoint; an empty one when nothing was ever committed. */
    public Manifest load() throws IOException {
        Path file = dir.resolve(MANIFEST);
        if (!Files.exists(file)) {
            return new Manifest(0, null, legacyPositions(), Map.of());
        }
        try {
            Manifest m = json.readValue(file.toFile(), Manifest.class);
            return m == null ? Manifest.empty() : m;
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IOException(file + ": corrupt checkpoint manifest: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Commits a new checkpoint: the rule state files first (each fsynced), then the manifest
     * naming them, atomically; then removes what the previous checkpoint used.
     *
     * @param rules rule name to (definition hash, writer); a writer that writes nothing leaves the rule out
     */
    public Manifest commit(Manifest previous, Long watermark, Map<String, Map<String, String>> positions,
                           Map<String, Map.Entry<String, StateWriter>> rules) throws IOException {
        try {
            return write(previous, watermark, positions, rules);
        } catch (IOException e) {
            if (metrics != null) {
                metrics.stateWriteFailures.labels("checkpoint").inc();
            }
            // Give back what the failed attempt took (a full disk needs every block); the previous checkpoint stands.
            try {
                deleteTree(dir.resolve("rules-" + (previous.generation() + 1)));
            } catch (IOException ignored) {
                // the next attempt at this generation clears it first
            }
            throw new IOException("state-dir: cannot write checkpoint in " + dir + ": " + StateDir.reason(e)
                    + " (the previous checkpoint stays committed; records after it will be re-read, not lost)", e);
        }
    }

    private Manifest write(Manifest previous, Long watermark, Map<String, Map<String, String>> positions,
                           Map<String, Map.Entry<String, StateWriter>> rules) throws IOException {
        long generation = previous.generation() + 1;
        String stateDirName = "rules-" + generation;
        Path stateDir = dir.resolve(stateDirName);
        deleteTree(stateDir); // a leftover of a crash during an earlier attempt at this generation
        Map<String, RuleEntry> entries = new TreeMap<>();
        for (Map.Entry<String, Map.Entry<String, StateWriter>> r : rules.entrySet()) {
            String file = safe(r.getKey()) + ".state";
            Files.createDirectories(stateDir);
            Path target = stateDir.resolve(file);
            try {
                if (writeChecked(target, r.getValue().getValue())) {
                    entries.put(r.getKey(), new RuleEntry(stateDirName + "/" + file, r.getValue().getKey()));
                }
            } catch (SkipRule e) {
                Files.deleteIfExists(target);
            }
        }
        if (!entries.isEmpty()) {
            fsyncDirectory(stateDir);
        } else {
            deleteTree(stateDir);
        }
        Map<String, Map<String, String>> copy = new TreeMap<>();
        positions.forEach((source, p) -> copy.put(source, new TreeMap<>(p)));
        Manifest next = new Manifest(generation, watermark, copy, entries);
        AtomicFiles.write(dir.resolve(MANIFEST), json.writeValueAsBytes(next));
        removeAllBut(stateDirName);
        return next;
    }

    /**
     * Opens a rule's state of a checkpoint after checking its checksum, or null when the
     * checkpoint holds none for it. Throws when the file is missing, cut short or damaged.
     */
    public InputStream openRuleState(Manifest m, String rule) throws IOException {
        RuleEntry e = m.rules().get(rule);
        if (e == null) {
            return null;
        }
        Path file = dir.resolve(e.file()).normalize();
        if (!file.startsWith(dir)) {
            throw new IOException(dir.resolve(MANIFEST) + ": rule " + rule + " names a state file outside " + dir);
        }
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException ex) {
            throw new IOException(file + ": rule state file named by the checkpoint is missing");
        }
        if (size < 8) {
            throw new IOException(file + ": rule state file cut short (" + size + " bytes)");
        }
        CRC32 crc = new CRC32();
        byte[] tail = new byte[8];
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            byte[] buf = new byte[1 << 16];
            long left = size - 8;
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    throw new IOException(file + ": rule state file changed while being read");
                }
                crc.update(buf, 0, n);
                left -= n;
            }
            if (in.readNBytes(tail, 0, 8) != 8) {
                throw new IOException(file + ": rule state file changed while being read");
            }
        }
        if (ByteBuffer.wrap(tail).getLong() != crc.getValue()) {
            throw new IOException(file + ": rule state file is damaged (checksum mismatch)");
        }
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        return new java.io.FilterInputStream(in) {
            private long left = size - 8; // the rule sees its bytes, not the checksum

            @Override
            public int read() throws IOException {
                if (left <= 0) {
                    return -1;
                }
                int b = super.read();
                left--;
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (left <= 0) {
                    return -1;
                }
                int n = super.read(b, off, (int) Math.min(len, left));
                if (n > 0) {
                    left -= n;
                }
                return n;
            }
        };
    }

    public Path directory() {
        return dir;
    }

    /** Streams a state file with a trailing CRC-32 and fsyncs it. False (and no file) when nothing was written. */
    private static boolean writeChecked(Path file, StateWriter writer) throws IOException {
        CRC32 crc = new CRC32();
        long[] count = {0};
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            OutputStream raw = java.nio.channels.Channels.newOutputStream(ch);
            BufferedOutputStream buffered = new BufferedOutputStream(raw, 1 << 16);
            OutputStream counted = new FilterOutputStream(buffered) {
                @Override
                public void write(int b) throws IOException {
                    crc.update(b);
                    count[0]++;
                    buffered.write(b);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    crc.update(b, off, len);
                    count[0] += len;
                    buffered.write(b, off, len);
                }

                @Override
                public void close() {
                    // the channel is closed below, after the checksum and fsync
                }
            };
            writer.write(counted);
            if (count[0] == 0) {
                buffered.flush();
            } else {
                buffered.write(ByteBuffer.allocate(8).putLong(crc.getValue()).array());
                buffered.flush();
                ch.force(true);
            }
        }
        if (count[0] == 0) {
            Files.deleteIfExists(file);
            return false;
        }
        return true;
    }

    private void removeAllBut(String keep) throws IOException {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                String name = p.getFileName().toString();
                if ((name.startsWith("rules-") && !name.equals(keep)) || name.endsWith(".properties")) {
                    deleteTree(p); // older generations, and positions of the older layout now in the manifest
                }
            }
        }
    }

    private Map<String, Map<String, String>> legacyPositions() throws IOException {
        Map<String, Map<String, String>> out = new TreeMap<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.properties")) {
            for (Path file : s) {
                Properties p = new Properties();
                try (InputStream in = Files.newInputStream(file)) {
                    p.load(in);
                } catch (IllegalArgumentException e) {
                    throw new IOException(file + ": corrupt checkpoint file: " + e.getMessage(), e);
                }
                Map<String, String> positions = new TreeMap<>();
                p.stringPropertyNames().forEach(k -> positions.put(k, p.getProperty(k)));
                String name = file.getFileName().toString();
                out.put(name.substring(0, name.length() - ".properties".length()), Collections.unmodifiableMap(positions));
            }
        }
        return out;
    }

    private static void fsyncDirectory(Path d) {
        try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some file systems cannot fsync a directory; the files themselves were.
        }
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        if (Files.isDirectory(p)) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(p)) {
                for (Path c : s) {
                    deleteTree(c);
                }
            }
        }
        Files.deleteIfExists(p);
    }

    /** Rule names are config keys; keep the file name safe whatever they contain. */
    static String safe(String name) {
        return name.replaceAll("[^A-Za-z0-9._-]", "_") + "-" + Integer.toHexString(name.hashCode());
    }
}
