package io.flowwatch.runtime.state;

import io.flowwatch.api.FlowwatchException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Prepares {@code state-dir}: created when missing, refused with a clear message when unusable. */
public final class StateDir {

    private StateDir() {
    }

    public static Path prepare(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new FlowwatchException("state-dir " + dir.toAbsolutePath() + " cannot be created: " + describe(e));
        }
        Path probe = dir.resolve(".write-test");
        try {
            Files.write(probe, new byte[]{1});
            Files.delete(probe);
        } catch (IOException e) {
            throw new FlowwatchException("state-dir " + dir.toAbsolutePath() + " is not writable: " + describe(e)
                    + " (the agent keeps checkpoints and alert state there; fix its permissions or set flowwatch.state-dir)");
        }
        return dir;
    }

    /** The cause of a failed write in a few words, e.g. "No space left on device". */
    public static String reason(IOException e) {
        if (e instanceof java.nio.file.FileSystemException fe && fe.getReason() != null) {
            return fe.getReason();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static String describe(IOException e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage());
    }
}
