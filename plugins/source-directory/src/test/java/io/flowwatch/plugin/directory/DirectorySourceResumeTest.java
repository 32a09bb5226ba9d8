package io.flowwatch.plugin.directory;

import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.source.SourceBatch;
import io.flowwatch.plugin.directory.SourceHarness.Line;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.flowwatch.plugin.directory.SourceHarness.append;
import static io.flowwatch.plugin.directory.SourceHarness.record;
import static io.flowwatch.plugin.directory.SourceHarness.records;
import static io.flowwatch.plugin.directory.SourceHarness.text;
import static io.flowwatch.plugin.directory.SourceHarness.texts;
import static io.flowwatch.plugin.directory.SourceHarness.write;
import static io.flowwatch.plugin.directory.SourceHarness.writeGz;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

class DirectorySourceResumeTest {

    private static final String HEADER = "version account-id interface-id srcaddr dstaddr srcport dstport protocol "
            + "packets bytes start end action log-status";

    @TempDir
    Path root;
    @TempDir
    Path state;

    @Test
    void plainFileResumesFromItsCommittedPositionWithoutRereading() throws Exception {
        Path file = write(root.resolve("a.log"), text(records(1, 3)));
        Map<String, String> committed;
        try (SourceHarness first = new SourceHarness(root, "", state).open()) {
            first.drain();
            committed = new HashMap<>(first.positions);
        }
        append(file, text(records(4, 5)));

        try (SourceHarness second = new SourceHarness(root, "", state).open(committed)) {
            assertThat(second.drain()).extracting(Line::number, Line::text)
                    .containsExactly(tuple(4L, record(4)), tuple(5L, record(5)));
        }
    }

    @Test
    void gzFileResumesMidFileAndKeepsItsHeaderFormat() throws Exception {
        List<String> all = records(1, 600);
        writeGz(root.resolve("s3.log.gz"), HEADER + "\n" + text(all));
        String config = "chunk-size = 1KiB, max-line-length = 512, read-ahead = 1";
        List<Line> before;
        String offset;
        try (SourceHarness first = new SourceHarness(root, config, state).open()) {
            SourceBatch b;
            do {
                b = first.poll(Duration.ofSeconds(5));
            } while (b.chunks().isEmpty());
            before = List.copyOf(first.lines);
            offset = first.positions.get("s3.log.gz");
        }
        assertThat(offset).isNotEqualTo("done");
        assertThat(FileOffset.parse(offset).nextLine()).isEqualTo(before.size() + 2);

        try (SourceHarness second = new SourceHarness(root, config, state).open(Map.of("s3.log.gz", offset))) {
            List<Line> after = second.drain();

            List<String> seen = new ArrayList<>(texts(before));
            seen.addAll(texts(after));
            assertThat(seen).containsExactlyElementsOf(all);
            assertThat(after.get(0).number()).isEqualTo(before.size() + 2);
            assertThat(after).extracting(Line::format).containsOnly(FlowFormat.DEFAULT);
            assertThat(second.positions).containsEntry("s3.log.gz", "done");
        }
    }

    @Test
    void finishedGzFileIsNotReadAgain() throws Exception {
        writeGz(root.resolve("a.log.gz"), text(records(1, 3)));
        writeGz(root.resolve("b.log.gz"), text(records(4, 5)));

        try (SourceHarness h = new SourceHarness(root, "", state).open(Map.of("a.log.gz", "done"))) {
            assertThat(texts(h.drain())).containsExactlyElementsOf(records(4, 5));
        }
    }

    @Test
    void committedPositionOfAnotherFileWithTheSameNameStartsItOver() throws Exception {
        Path file = write(root.resolve("a.log"), text(records(1, 3)));
        long size = Files.size(file);

        try (LogCapture log = new LogCapture();
             SourceHarness h = new SourceHarness(root, "", state)
                     .open(Map.of("a.log", new FileOffset(size - 10, 3, "(dev=1,ino=424242)").encode()))) {
            assertThat(h.drain()).extracting(Line::number).containsExactly(1L, 2L, 3L);
            assertThat(log.warnings()).anySatisfy(m -> assertThat(m).contains(file.toString()).contains("replaced"));
        }
    }

    @Test
    void unusableCommittedPositionStartsTheFileOver() throws Exception {
        write(root.resolve("a.log"), text(records(1, 2)));

        try (SourceHarness h = new SourceHarness(root, "", state).open(Map.of("a.log", "garbage"))) {
            assertThat(texts(h.drain())).containsExactlyElementsOf(records(1, 2));
        }
    }

    @Test
    void positionsNeverRunAheadOfTheDataHandedOver() throws Exception {
        Path file = write(root.resolve("a.log"), "");
        String all = text(records(1, 3000));
        byte[] bytes = all.getBytes(StandardCharsets.UTF_8);
        Random random = new Random(7);

        try (SourceHarness h = new SourceHarness(root, "chunk-size = 2KiB, max-line-length = 1KiB, read-ahead = 2", state).open()) {
            // A writer appending pieces cut anywhere, mid-line included, while the source reads.
            Thread writer = new Thread(() -> {
                try {
                    int at = 0;
                    while (at < bytes.length) {
                        int n = Math.min(bytes.length - at, 1 + random.nextInt(3000));
                        Files.write(file, java.util.Arrays.copyOfRange(bytes, at, at + n), java.nio.file.StandardOpenOption.APPEND);
                        at += n;
                        Thread.sleep(random.nextInt(3));
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            writer.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (h.lines.size() < 3000 && System.nanoTime() < deadline) {
                SourceBatch b = h.poll(SourceHarness.POLL);
                String offset = b.positions().stream().filter(p -> p.partition().equals("a.log"))
                        .map(p -> p.offset()).findFirst().orElse(null);
                if (offset != null) {
                    FileOffset o = FileOffset.parse(offset);
                    ByteArrayOutputStream got = h.delivered.getOrDefault("a.log", new ByteArrayOutputStream());
                    assertThat(o.bytes()).isEqualTo(got.size());
                    assertThat(o.nextLine() - 1).isEqualTo(h.lines.size());
                    assertThat(got.toByteArray()).isEqualTo(java.util.Arrays.copyOf(bytes, got.size()));
                }
            }
            writer.join();

            assertThat(texts(h.lines)).containsExactlyElementsOf(records(1, 3000));
            assertThat(h.lines).extracting(Line::number).isSorted().doesNotHaveDuplicates();
        }
    }
}
