package io.flowwatch.runtime.cli;

import io.flowwatch.runtime.TestPlugins;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class PluginsCommandTest {

    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream oldOut;
    PrintStream oldErr;

    @BeforeEach
    void capture() {
        oldOut = System.out;
        oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(oldOut);
        System.setErr(oldErr);
    }

    @Test
    void listsEveryBuiltPluginWithItsVersionAndTypes() {
        int code = FlowwatchCommand.commandLine().execute("plugins", "--plugins-dir", TestPlugins.dir().toString());
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(text.lines()).anySatisfy(l -> assertThat(l).matches("source-directory +0\\.1\\.0-SNAPSHOT +sources: directory"))
                .anySatisfy(l -> assertThat(l).matches("source-simulator +0\\.1\\.0-SNAPSHOT +sources: simulator"))
                .anySatisfy(l -> assertThat(l).startsWith("rules-standard").contains("rules: ").contains("frequency"))
                .anySatisfy(l -> assertThat(l).startsWith("builtin").contains("notifiers: console, file"));
        assertThat(text).contains("notifier-slack").contains("notifiers: slack");
    }

    @Test
    void aMissingDirectoryIsReportedAndExitsOne(@TempDir Path dir) {
        int code = FlowwatchCommand.commandLine().execute("plugins", "--plugins-dir", dir.resolve("absent").toString());
        assertThat(code).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("absent").contains("is not a directory");
    }
}
