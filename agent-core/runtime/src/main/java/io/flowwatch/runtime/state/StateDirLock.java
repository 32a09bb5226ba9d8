package io.flowwatch.runtime.state;

import io.flowwatch.api.FlowwatchException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The one-agent-per-state-dir guard: an OS file lock on {@code state-dir/.lock}, held while an
 * agent runs ({@code run}, {@code demo}). Two agents on one state-dir would commit each other's
 * positions and deliver each other's outbox twice. The holder writes its pid into the file so a
 * refused second agent can name it. The OS drops the lock when the holder dies, even by
 * {@code kill -9}, so a stale file never blocks a restart; the file itself is left in place
 * (deleting it would let a third process lock a fresh inode while the second still holds the old).
 * Read-only tools ({@code validate}, {@code test-rules}, {@code query}) never take it.
 */
public final class StateDirLock implements AutoCloseable {

    /** The lock file's name in state-dir. */
    public static final String FILE = ".lock";

    private final FileChannel channel;
    private final FileLock lock;

    private StateDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Prepares {@code dir} (see {@link StateDir#prepare}) and locks it for this process.
     *
     * @throws FlowwatchException when another process (or another agent in this one) holds it,
     *         naming the directory and the holder's pid
     */
    public static StateDirLock acquire(Path dir) {
        StateDir.prepare(dir);
        Path file = dir.resolve(FILE);
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new FlowwatchException("state-dir " + dir.toAbsolutePath() + ": cannot open " + file.getFileName() + ": " + e);
        }
        try {
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null; // held by this JVM already
            }
            if (l == null) {
                String holder = holder(file);
                ch.close();
                throw new FlowwatchException("state-dir " + dir.toAbsolutePath() + " is in use by another flowwatch agent ("
                        + holder + ", lock " + file.toAbsolutePath() + "); stop that agent first, or give this one its own"
                        + " flowwatch.state-dir");
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            ch.force(false);
            return new StateDirLock(ch, l);
        } catch (IOException e) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // the lock error is the one to report
            }
            throw new FlowwatchException("state-dir " + dir.toAbsolutePath() + ": cannot lock " + file.getFileName() + ": " + e);
        }
    }

    private static String holder(Path file) {
        try {
            String pid = Files.readString(file, StandardCharsets.US_ASCII).strip();
            return pid.matches("\\d+") ? "pid " + pid : "pid unknown";
        } catch (IOException e) {
            return "pid unknown";
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // Closing the channel releases the lock anyway; at exit the OS does.
        }
    }
}
