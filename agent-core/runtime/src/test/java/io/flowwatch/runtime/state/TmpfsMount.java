package io.flowwatch.runtime.state;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A small tmpfs mounted on a test's directory, so that a disk-full test gets real ENOSPC from the
 * kernel. Needs root (CI runs as root); elsewhere the test is skipped, saying why.
 */
public final class TmpfsMount implements AutoCloseable {

    private final Path dir;

    private TmpfsMount(Path dir) {
        this.dir = dir;
    }

    /** Mounts a tmpfs of {@code sizeKib} KiB on {@code dir} (created), or aborts the test with the reason. */
    public static TmpfsMount mount(Path dir, int sizeKib) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "disk-full tests mount a small tmpfs and need root (CI runs as root); user is " + System.getProperty("user.name"));
        String out = run("mount", "-t", "tmpfs", "-o", "size=" + sizeKib + "k", "tmpfs", dir.toString());
        Assumptions.assumeTrue(out == null, "cannot mount a tmpfs on " + dir + " (a container without CAP_SYS_ADMIN?): " + out);
        return new TmpfsMount(dir);
    }

    /**
     * Writes a file until the file system refuses with "No space left on device"; returns it. Runs a
     * few times since tmpfs may still find room for small writes after the first refusal.
     */
    public Path fill() throws IOException {
        Path filler = dir.resolve("filler");
        byte[] block = new byte[4096];
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(block);
                out.flush();
            }
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No space left on device")) {
                throw e;
            }
        }
        for (int n = 1; n <= 2; n++) {
            try (OutputStream out = Files.newOutputStream(dir.resolve("filler" + n))) {
                while (true) {
                    out.write(1);
                    out.flush();
                }
            } catch (IOException e) {
                // full to the last byte now
            }
        }
        return filler;
    }

    /** Gives the space back. */
    public void free() throws IOException {
        for (String f : new String[]{"filler", "filler1", "filler2"}) {
            Files.deleteIfExists(dir.resolve(f));
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        String out = run("umount", "-l", dir.toString());
        if (out != null) {
            throw new IOException("cannot unmount " + dir + ": " + out);
        }
    }

    /** Null when the command exits 0, else its output. */
    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return "timed out";
        }
        return p.exitValue() == 0 ? null : "exit " + p.exitValue() + ": " + text.trim();
    }
}
