package io.flowwatch.plugin.directory;

import io.flowwatch.plugin.directory.SourceHarness.Line;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;

import static io.flowwatch.plugin.directory.SourceHarness.gzip;
import static io.flowwatch.plugin.directory.SourceHarness.record;
import static io.flowwatch.plugin.directory.SourceHarness.records;
import static io.flowwatch.plugin.directory.SourceHarness.text;
import static io.flowwatch.plugin.directory.SourceHarness.texts;
import static io.flowwatch.plugin.directory.SourceHarness.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

class DirectorySourceDamageTest {

    @TempDir
    Path root;
    @TempDir
    Path state;

    @Test
    void truncatedGzKeepsTheLinesBeforeTheDamageAndTheSourceGoesOn() throws Exception {
        List<String> all = records(1, 5000);
        byte[] whole = gzip(text(all));
        Path file = root.resolve("a.log.gz");
        Files.write(file, Arrays.copyOf(whole, whole.length / 2));
        write(root.resolve("b.log"), text(records(9001, 9002)));

        try (LogCapture log = new LogCapture(); SourceHarness h = new SourceHarness(root, "", state).open()) {
            List<Line> lines = h.drain();

            List<String> fromA = lines.stream().filter(l -> l.file().equals("a.log.gz")).map(Line::text).toList();
            assertThat(fromA).isNotEmpty().hasSizeLessThan(all.size());
            assertThat(fromA).containsExactlyElementsOf(all.subList(0, fromA.size()));
            assertThat(lines).filteredOn(l -> l.file().equals("b.log")).extracting(Line::text)
                    .containsExactlyElementsOf(records(9001, 9002));
            FileOffset offset = FileOffset.parse(h.positions.get("a.log.gz"));
            assertThat(offset.nextLine()).isEqualTo(fromA.size() + 1);
            assertThat(log.warnings()).anySatisfy(m -> assertThat(m).contains(file + ":" + (fromA.size() + 1) + ":"));
            assertThat(h.ctx.metrics().value("source_file_errors_total")).isEqualTo(1);

            // Unchanged, it is not tried again (no second warning); once it is complete, the rest follows.
            h.drain();
            assertThat(h.ctx.metrics().value("source_file_errors_total")).isEqualTo(1);
            Files.write(file, whole);
            List<Line> after = h.until(l -> l.size() >= all.size() + 2);

            assertThat(texts(after.stream().filter(l -> l.file().equals("a.log.gz")).toList())).containsExactlyElementsOf(all);
            h.drain();
            assertThat(h.positions).containsEntry("a.log.gz", "done");
        }
    }

    @Test
    void corruptGzReportsFileAndLineKeepsWhatWasReadAndIsSkippedUntilItChanges() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(gzip(text(records(1, 50))));
        // A second gzip member whose first deflate block has the reserved type 11: "invalid block type".
        bytes.write(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff});
        byte[] garbage = new byte[64];
        Arrays.fill(garbage, (byte) 0xff);
        bytes.write(garbage);
        Path file = Files.write(root.resolve("a.log.gz"), bytes.toByteArray());
        Path notGzip = write(root.resolve("b.log.gz"), "this is not gzip\n");
        write(root.resolve("c.log"), text(records(100, 101)));

        try (LogCapture log = new LogCapture(); SourceHarness h = new SourceHarness(root, "", state).open()) {
            List<Line> lines = h.drain();

            assertThat(lines).filteredOn(l -> l.file().equals("a.log.gz")).extracting(Line::text)
                    .containsExactlyElementsOf(records(1, 50));
            assertThat(lines).filteredOn(l -> l.file().equals("c.log")).extracting(Line::text)
                    .containsExactlyElementsOf(records(100, 101));
            assertThat(log.errors()).anySatisfy(m -> assertThat(m).contains(file + ":51:"));
            assertThat(log.errors()).anySatisfy(m -> assertThat(m).contains(notGzip + ":1:"));
            assertThat(h.positions.get("a.log.gz")).isNotEqualTo("done");
            assertThat(h.ctx.metrics().value("source_file_errors_total")).isEqualTo(2);

            h.drain();
            assertThat(log.errors()).hasSize(2);
        }
    }

    @Test
    void unreadableFileIsSkippedWithAWarningAndReadOnceItIsReadable() throws Exception {
        Path file = write(root.resolve("a.log"), text(records(1, 2)));
        write(root.resolve("b.log"), text(records(3, 3)));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("---------"));
        try {
            assumeFalse(Files.isReadable(file), "running with permission to read anything (root)");

            try (LogCapture log = new LogCapture(); SourceHarness h = new SourceHarness(root, "", state).open()) {
                assertThat(texts(h.drain())).containsExactly(record(3));
                assertThat(log.warnings()).anySatisfy(m -> assertThat(m).contains(file.toString()).contains("permission denied"));
                assertThat(h.ctx.metrics().value("source_file_errors_total")).isEqualTo(1);
                h.drain();
                assertThat(log.warnings().stream().filter(m -> m.contains(file.toString()))).hasSize(1);

                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
                assertThat(texts(h.until(l -> l.size() >= 3))).containsExactly(record(3), record(1), record(2));
            }
        } finally {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        }
    }
}
