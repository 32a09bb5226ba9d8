package io.flowwatch.packaging;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.fail;

/** Runs an external command to completion and captures its output; shared by the tests here. */
final class Command {

    /** Exit code, stdout and stderr of a finished command. */
    record Result(int exit, String out, String err) {
        String both() {
            return out + err;
        }
    }

    private Command() {
    }

    static Result run(List<String> command) throws IOException, InterruptedException {
        return run(command, Map.of(), false);
    }

    /** Runs {@code command} with {@code env} laid over ({@code clearEnv}: instead of) ours. */
    static Result run(List<String> command, Map<String, String> env, boolean clearEnv)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        if (clearEnv) {
            pb.environment().clear();
        }
        pb.environment().putAll(env);
        Path out = Files.createTempFile("cmd-out", ".txt");
        Path err = Files.createTempFile("cmd-err", ".txt");
        try {
            pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Process p = pb.start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("timed out: " + command);
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** The named tool on PATH, or a test failure naming the Debian package that provides it. */
    static String require(String tool, String debianPackage) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return fail(tool + " not found on PATH: install Debian's " + debianPackage
                + " package (apt-get install " + debianPackage + ")");
    }

    /** A path given by the build as a system property (see packaging/pom.xml). */
    static Path built(String property) {
        String value = System.getProperty(property);
        if (value == null) {
            return fail("system property " + property + " not set: run through Maven (mvn verify -pl packaging)");
        }
        return Path.of(value);
    }
}
