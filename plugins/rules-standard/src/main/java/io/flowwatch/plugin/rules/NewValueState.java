package io.flowwatch.plugin.rules;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * What a {@code new-value} rule keeps across restarts, and its file format: a magic number and
 * version, the fingerprint of the rule's {@code field}/{@code group-by} (state learned for another
 * field is not reused), the learning-period start, the learned values per key (least recently used
 * first, so loading rebuilds the LRU order), the keys still firing, then a CRC-32 of all of it.
 * Written to a temp file, fsynced, then renamed over the old one, so a crash leaves either the old
 * or the new file, never a torn one.
 *
 * @param keys   group key -> (value -> first-seen epoch seconds), least recently used first
 * @param firing alert key -> event time it fired
 */
record NewValueState(String fingerprint, long learningStart, Map<String, Map<String, Long>> keys,
                     Map<Map<String, String>, Long> firing) {

    private static final int MAGIC = 0x46574e56; // "FWNV"
    private static final int VERSION = 1;
    private static final int MAX_STRING_BYTES = 1 << 20;

    void write(Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileOutputStream fos = new FileOutputStream(tmp.toFile())) {
            CRC32 crc = new CRC32();
            DataOutputStream out = new DataOutputStream(new CheckedOutputStream(new BufferedOutputStream(fos, 1 << 16), crc));
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            writeString(out, fingerprint);
            out.writeLong(learningStart);
            out.writeInt(keys.size());
            for (Map.Entry<String, Map<String, Long>> k : keys.entrySet()) {
                writeString(out, k.getKey());
                out.writeInt(k.getValue().size());
                for (Map.Entry<String, Long> v : k.getValue().entrySet()) {
                    writeString(out, v.getKey());
                    out.writeLong(v.getValue());
                }
            }
            out.writeInt(firing.size());
            for (Map.Entry<Map<String, String>, Long> f : firing.entrySet()) {
                out.writeInt(f.getKey().size());
                for (Map.Entry<String, String> kv : f.getKey().entrySet()) {
                    writeString(out, kv.getKey());
                    writeString(out, kv.getValue());
                }
                out.writeLong(f.getValue());
            }
            out.flush();
            fos.write(ByteBuffer.allocate(8).putLong(crc.getValue()).array());
            fos.getFD().sync();
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory(file.getParent());
    }

    /** Reads a state file; any damage (truncation, bad checksum, wrong magic) is an IOException. */
    static NewValueState read(Path file) throws IOException {
        CRC32 crc = new CRC32();
        try (DataInputStream in = new DataInputStream(new CheckedInputStream(
                new BufferedInputStream(Files.newInputStream(file), 1 << 16), crc))) {
            if (in.readInt() != MAGIC) {
                throw new IOException("not a new-value state file");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new IOException("unknown state file version " + version);
            }
            String fingerprint = readString(in);
            long learningStart = in.readLong();
            int nKeys = count(in);
            Map<String, Map<String, Long>> keys = new LinkedHashMap<>();
            for (int i = 0; i < nKeys; i++) {
                String key = readString(in);
                int nValues = count(in);
                Map<String, Long> values = new LinkedHashMap<>();
                for (int j = 0; j < nValues; j++) {
                    values.put(readString(in), in.readLong());
                }
                keys.put(key, values);
            }
            int nFiring = count(in);
            Map<Map<String, String>, Long> firing = new LinkedHashMap<>();
            for (int i = 0; i < nFiring; i++) {
                int pairs = count(in);
                Map<String, String> key = new TreeMap<>();
                for (int j = 0; j < pairs; j++) {
                    key.put(readString(in), readString(in));
                }
                firing.put(key, in.readLong());
            }
            long computed = crc.getValue();
            long stored = in.readLong();
            if (computed != stored) {
                throw new IOException("checksum mismatch");
            }
            if (in.read() != -1) {
                throw new IOException("trailing bytes after the checksum");
            }
            return new NewValueState(fingerprint, learningStart, keys, firing);
        } catch (EOFException e) {
            throw new IOException("truncated", e);
        }
    }

    private static int count(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            throw new IOException("negative count " + n);
        }
        return n;
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_STRING_BYTES) {
            throw new IOException("bad string length " + n);
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Makes the rename durable; best effort, as not every file system lets a directory be opened. */
    private static void syncDirectory(Path dir) {
        if (dir == null) {
            return;
        }
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // The file itself is synced; only the rename may be lost on power failure.
        }
    }
}
