package io.flowwatch.plugin.directory;

import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.source.LineChunk;
import io.flowwatch.api.source.SourceBatch;
import io.flowwatch.plugin.directory.SourceHarness.Line;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.flowwatch.plugin.directory.SourceHarness.append;
import static io.flowwatch.plugin.directory.SourceHarness.record;
import static io.flowwatch.plugin.directory.SourceHarness.records;
import static io.flowwatch.plugin.directory.SourceHarness.text;
import static io.flowwatch.plugin.directory.SourceHarness.texts;
import static io.flowwatch.plugin.directory.SourceHarness.write;
import static io.flowwatch.plugin.directory.SourceHarness.writeGz;
import static org.assertj.core.api.Assertions.assertThat;

class DirectorySourceReadingTest {

    private static final String HEADER = "version account-id interface-id srcaddr dstaddr srcport dstport protocol "
            + "packets bytes start end action log-status vpc-id";

    @TempDir
    Path root;
    @TempDir
    Path state;

    @Test
    void readsFilesInKeyOrderAcrossTheS3LayoutAndIgnoresOtherFiles() throws Exception {
        String prefix = "AWSLogs/123456789012/vpcflowlogs/eu-west-1/";
        List<String> expected = new ArrayList<>();
        // Days and hours across month and year ends, in key order. Where hourly and daily objects
        // share a day, the hour folders ("00/".."23/") sort before the account-number file names.
        String[] dirs = {"2023/12/31/", "2023/12/31/23/", "2024/01/01/00/", "2024/01/01/09/", "2024/01/01/10/",
                "2024/01/01/", "2024/01/02/", "2024/01/10/", "2024/02/01/", "2024/10/01/"};
        for (String d : dirs) {
            for (String minute : new String[] {"0000", "0005", "0010"}) {
                String day = d.substring(0, 10).replace("/", "");
                expected.add(prefix + d + "123456789012_vpcflowlogs_eu-west-1_fl-0abc_" + day + "T" + minute + "Z_f00d.log.gz");
            }
        }
        expected.add("flat-a.log");
        expected.add("flat-b.log");
        // Created in reverse, so the directory's own order is unlikely to be the key order by chance.
        for (int i = expected.size() - 1; i >= 0; i--) {
            String name = expected.get(i);
            if (name.endsWith(".gz")) {
                writeGz(root.resolve(name), text(List.of(record(i))));
            } else {
                write(root.resolve(name), text(List.of(record(i))));
            }
        }
        write(root.resolve("notes.txt"), record(900) + "\n");
        write(root.resolve("rotated.log.1"), record(901) + "\n");
        writeGz(root.resolve(prefix + "2024/01/01/archive.gz"), record(902) + "\n");
        write(root.resolve(prefix + "2024/01/01/part.log.tmp"), record(903) + "\n");

        try (SourceHarness h = new SourceHarness(root, "", state).open()) {
            List<Line> lines = h.drain();

            assertThat(lines).extracting(Line::file).containsExactlyElementsOf(expected);
            assertThat(lines).extracting(Line::text).doesNotContain(record(900), record(901), record(902), record(903));
            assertThat(h.positions).containsOnlyKeys(expected);
        }
    }

    @Test
    void headerLineSetsTheFileFormatAndIsNotHandedOver() throws Exception {
        List<String> recs = List.of(record(1) + " vpc-1", record(2) + " vpc-1", record(3) + " vpc-1");
        writeGz(root.resolve("s3.log.gz"), HEADER + "\n" + text(recs));
        write(root.resolve("t-plain.log"), text(records(10, 11)));

        try (SourceHarness h = new SourceHarness(root, "", state).open()) {
            List<Line> lines = h.drain();

            FlowFormat header = FlowFormat.fromHeaderLine(HEADER).orElseThrow();
            assertThat(lines).filteredOn(l -> l.file().equals("s3.log.gz"))
                    .extracting(Line::number, Line::text, Line::format)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(2L, recs.get(0), header),
                            org.assertj.core.groups.Tuple.tuple(3L, recs.get(1), header),
                            org.assertj.core.groups.Tuple.tuple(4L, recs.get(2), header));
            // Without a header and without a configured format, the runtime's default applies.
            assertThat(lines).filteredOn(l -> l.file().equals("t-plain.log"))
                    .extracting(Line::number, Line::format)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(1L, null), org.assertj.core.groups.Tuple.tuple(2L, null));
            assertThat(h.positions).containsEntry("s3.log.gz", "done");
        }
    }

    @Test
    void headerOnlyFileHandsOverNothingButIsFinished() throws Exception {
        writeGz(root.resolve("a.log.gz"), HEADER + "\n");
        write(root.resolve("b.log"), HEADER + "\n");

        try (SourceHarness h = new SourceHarness(root, "", state).open()) {
            assertThat(h.drain()).isEmpty();
            assertThat(h.positions).containsEntry("a.log.gz", "done");
            assertThat(FileOffset.parse(h.positions.get("b.log")))
                    .returns((long) HEADER.length() + 1, FileOffset::bytes)
                    .returns(2L, FileOffset::nextLine);
        }
    }

    @Test
    void configuredFormatIsPassedOnForFilesWithoutHeader() throws Exception {
        write(root.resolve("custom.log"), "10.0.0.1 10.0.0.2 ACCEPT\n10.0.0.3 10.0.0.4 REJECT\n");
        writeGz(root.resolve("with-header.log.gz"), "srcaddr dstaddr\n10.0.0.5 10.0.0.6\n");

        try (SourceHarness h = new SourceHarness(root, "format = \"${srcaddr} ${dstaddr} ${action}\"", state).open()) {
            List<Line> lines = h.drain();

            assertThat(lines).filteredOn(l -> l.file().equals("custom.log")).extracting(Line::format)
                    .containsOnly(FlowFormat.parse("${srcaddr} ${dstaddr} ${action}"));
            assertThat(lines).filteredOn(l -> l.file().equals("with-header.log.gz")).extracting(Line::format)
                    .containsOnly(FlowFormat.parse("${srcaddr} ${dstaddr}"));
        }
    }

    @Test
    void chunksCarryTheRealLineNumbersOfTheirFirstLine() throws Exception {
        List<String> plain = records(1, 2000);
        List<String> gz = records(5001, 7000);
        write(root.resolve("a.log"), text(plain));
        writeGz(root.resolve("b.log.gz"), text(gz));

        try (SourceHarness h = new SourceHarness(root, "chunk-size = 4KiB, max-line-length = 1KiB, read-ahead = 2", state).open()) {
            List<Line> lines = h.drain();

            assertThat(h.batches.stream().mapToInt(b -> b.chunks().size()).sum()).isGreaterThan(20);
            for (LineChunk c : allChunks(h)) {
                assertThat(c.length()).isLessThanOrEqualTo(4096);
            }
            List<Line> a = lines.stream().filter(l -> l.file().equals("a.log")).toList();
            List<Line> b = lines.stream().filter(l -> l.file().equals("b.log.gz")).toList();
            assertThat(texts(a)).containsExactlyElementsOf(plain);
            assertThat(texts(b)).containsExactlyElementsOf(gz);
            for (int i = 0; i < a.size(); i++) {
                assertThat(a.get(i).number()).isEqualTo(i + 1);
                assertThat(b.get(i).number()).isEqualTo(i + 1);
            }
            assertThat(h.ctx.metrics().value("source_bytes_read_total"))
                    .isEqualTo(text(plain).length() + text(gz).length());
        }
    }

    @Test
    void emptyFilesAreFine() throws Exception {
        Files.createFile(root.resolve("a-empty.log"));
        writeGz(root.resolve("b-empty.log.gz"), "");
        Files.createFile(root.resolve("c-zero-bytes.log.gz"));
        write(root.resolve("d.log"), text(records(1, 2)));

        try (SourceHarness h = new SourceHarness(root, "", state).open()) {
            List<Line> lines = h.drain();

            assertThat(texts(lines)).containsExactlyElementsOf(records(1, 2));
            assertThat(h.positions).containsEntry("b-empty.log.gz", "done");
            assertThat(FileOffset.parse(h.positions.get("a-empty.log")).bytes()).isZero();
            assertThat(h.positions.get("c-zero-bytes.log.gz")).isNotEqualTo("done");
            assertThat(h.ctx.metrics().value("source_file_errors_total")).isZero();
        }
    }

    @Test
    void lineLongerThanMaxLineLengthIsSkippedAndTheRestOfTheFileIsRead() throws Exception {
        String content = "line-1\n" + "x".repeat(300) + "\nline-3\n" + "y".repeat(5000) + "\nline-5\n" + "z".repeat(101);
        write(root.resolve("long.log"), content);
        writeGz(root.resolve("long.log.gz"), content);
        // Old enough to count as complete, so the unterminated last line is judged too.
        Files.setLastModifiedTime(root.resolve("long.log"), java.nio.file.attribute.FileTime.fromMillis(0));

        try (LogCapture log = new LogCapture();
             SourceHarness h = new SourceHarness(root, "chunk-size = 1KiB, max-line-length = 100", state).open()) {
            List<Line> lines = h.drain();

            for (String file : List.of("long.log", "long.log.gz")) {
                assertThat(lines).filteredOn(l -> l.file().equals(file))
                        .extracting(Line::number, Line::text)
                        .containsExactly(org.assertj.core.groups.Tuple.tuple(1L, "line-1"),
                                org.assertj.core.groups.Tuple.tuple(3L, "line-3"),
                                org.assertj.core.groups.Tuple.tuple(5L, "line-5"));
                assertThat(log.warnings()).anySatisfy(m -> assertThat(m).contains(root.resolve(file) + ":2:"));
            }
            assertThat(h.ctx.metrics().value("source_lines_skipped_total")).isEqualTo(6);
            assertThat(h.positions).containsEntry("long.log.gz", "done");
            assertThat(FileOffset.parse(h.positions.get("long.log")))
                    .returns((long) content.length(), FileOffset::bytes)
                    .returns(7L, FileOffset::nextLine);
        }
    }

    @Test
    void aLineOfExactlyMaxLineLengthIsKeptAndOneByteMoreIsSkipped() throws Exception {
        // Lengths around the bound, overlong lines next to each other, and many short lines
        // between them, so that line numbers must stay true across every skip.
        List<String> written = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            written.add("a".repeat(100));
            written.add("b".repeat(101));
            written.add("c".repeat(i));
            written.add("d".repeat(250));
            written.add("e".repeat(250));
            written.add("f".repeat(99));
        }
        String content = String.join("\n", written) + "\n";
        write(root.resolve("edge.log"), content);

        try (SourceHarness h = new SourceHarness(root, "chunk-size = 1KiB, max-line-length = 100", state).open()) {
            List<Line> lines = h.drain();

            List<org.assertj.core.groups.Tuple> expected = new ArrayList<>();
            for (int i = 0; i < written.size(); i++) {
                if (written.get(i).length() <= 100 && !written.get(i).isEmpty()) {
                    expected.add(org.assertj.core.groups.Tuple.tuple(i + 1L, written.get(i)));
                }
            }
            assertThat(lines).extracting(Line::number, Line::text).containsExactlyElementsOf(expected);
            assertThat(h.ctx.metrics().value("source_lines_skipped_total")).isEqualTo(120);
        }
    }

    @Test
    void symlinksAreNotFollowed() throws Exception {
        Path outside = Files.createTempDirectory("flowwatch-outside");
        try {
            write(outside.resolve("secret.log"), record(99) + "\n");
            Files.createDirectories(outside.resolve("dir"));
            write(outside.resolve("dir/other.log"), record(98) + "\n");
            Files.createSymbolicLink(root.resolve("link.log"), outside.resolve("secret.log"));
            Files.createSymbolicLink(root.resolve("linked-dir"), outside.resolve("dir"));
            write(root.resolve("real.log"), record(1) + "\n");

            try (SourceHarness h = new SourceHarness(root, "", state).open()) {
                assertThat(texts(h.drain())).containsExactly(record(1));
            }
        } finally {
            Files.deleteIfExists(outside.resolve("dir/other.log"));
            Files.deleteIfExists(outside.resolve("dir"));
            Files.deleteIfExists(outside.resolve("secret.log"));
            Files.deleteIfExists(outside);
        }
    }

    @Test
    void unterminatedLastLineWaitsUntilTheFileIsQuiet() throws Exception {
        Path file = write(root.resolve("a.log"), record(1) + "\n" + record(2));

        try (SourceHarness h = new SourceHarness(root, "", state).open()) {
            // Just written: the last line may still be growing.
            assertThat(texts(h.drain())).containsExactly(record(1));
            assertThat(FileOffset.parse(h.positions.get("a.log")).bytes()).isEqualTo(record(1).length() + 1);

            h.clock.advance(Duration.ofMinutes(1));
            List<Line> later = h.drain();

            assertThat(later).extracting(Line::number, Line::text)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(2L, record(2)));
            assertThat(FileOffset.parse(h.positions.get("a.log")).bytes()).isEqualTo(Files.size(file));
        }
    }

    @Test
    void headerWrittenInPiecesIsStillRecognised() throws Exception {
        Path file = write(root.resolve("a.log"), "version account-id");

        try (SourceHarness h = new SourceHarness(root, "", state).open()) {
            assertThat(h.drain()).isEmpty();

            append(file, " interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n"
                    + record(1) + "\n");
            List<Line> lines = h.until(l -> !l.isEmpty());

            assertThat(lines).extracting(Line::number, Line::text)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(2L, record(1)));
            assertThat(lines.get(0).format()).isEqualTo(FlowFormat.DEFAULT);
        }
    }

    @Test
    void pollMergesQueuedChunksAndReportsCaughtUpOnlyWhenAllIsHandedOver() throws Exception {
        write(root.resolve("a.log"), text(records(1, 3000)));

        try (SourceHarness h = new SourceHarness(root, "chunk-size = 4KiB, max-line-length = 1KiB, read-ahead = 8", state).open()) {
            Thread.sleep(300); // let the reader fill its queue
            SourceBatch first = h.poll(Duration.ofSeconds(5));
            assertThat(first.chunks()).hasSizeGreaterThan(1);
            assertThat(first.caughtUp()).isFalse();
            h.drain();

            assertThat(texts(h.lines)).containsExactlyElementsOf(records(1, 3000));
            SourceBatch last = h.batches.get(h.batches.size() - 1);
            assertThat(last.caughtUp()).isTrue();
        }
    }

    private static List<LineChunk> allChunks(SourceHarness h) {
        return h.batches.stream().flatMap(b -> b.chunks().stream()).toList();
    }
}
