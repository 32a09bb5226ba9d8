package io.flowwatch.packaging;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** bin/flowwatch from the tarball layout: runs the agent, and explains a missing or old Java. */
class LauncherIT {

    @TempDir
    Path tmp;

    private static Path launcher() {
        return Command.built("flowwatch.dist").resolve("bin/flowwatch");
    }

    @Test
    void runsTheAgentFromTheTarballLayoutWithArguments() throws Exception {
        Command.Result r = Command.run(List.of(launcher().toString(), "parse"), Map.of("FLOWWATCH_NO_DEFAULTS", "1"), false);
        // parse with no file reads stdin (empty here): exit 0, no output; proves Main got the argument.
        assertThat(r.exit()).as(r.both()).isZero();
        Command.Result bad = Command.run(List.of(launcher().toString(), "no-such-command"),
                Map.of("FLOWWATCH_NO_DEFAULTS", "1"), false);
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("no-such-command");
    }

    @Test
    void saysHowToGetJavaWhenThereIsNone() throws Exception {
        Command.Result r = Command.run(List.of("/bin/sh", launcher().toString(), "--version"),
                Map.of("PATH", toolsOnly().toString(), "FLOWWATCH_NO_DEFAULTS", "1"), true);
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("no Java found").contains("Java 17");
    }

    @Test
    void refusesAJavaOlderThan17WithAClearMessage() throws Exception {
        Path jdk = tmp.resolve("jdk-11");
        Files.createDirectories(jdk.resolve("bin"));
        Path java = jdk.resolve("bin/java");
        Files.writeString(java, "#!/bin/sh\necho 'launcher should not have run me' >&2\nexit 99\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(jdk.resolve("release"), "IMPLEMENTOR=\"Eclipse Adoptium\"\nJAVA_VERSION=\"11.0.22\"\n");
        Command.Result r = Command.run(List.of("/bin/sh", launcher().toString(), "--version"),
                Map.of("PATH", toolsOnly().toString(), "JAVA_HOME", jdk.toString(), "FLOWWATCH_NO_DEFAULTS", "1"), true);
        assertThat(r.exit()).as(r.both()).isEqualTo(2);
        assertThat(r.err()).contains("Java 17 or newer is needed").contains("11.0.22").doesNotContain("should not");
    }

    /** A PATH with the tools the launcher uses but no java. */
    private Path toolsOnly() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        for (String tool : List.of("dirname", "readlink", "sed")) {
            Files.createSymbolicLink(bin.resolve(tool), Path.of(Command.require(tool, "coreutils")));
        }
        return bin;
    }
}
