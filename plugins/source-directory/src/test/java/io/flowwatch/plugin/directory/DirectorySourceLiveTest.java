package io.flowwatch.plugin.directory;

import io.flowwatch.api.source.SourceBatch;
import io.flowwatch.plugin.directory.SourceHarness.Line;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.flowwatch.plugin.directory.SourceHarness.append;
import static io.flowwatch.plugin.directory.SourceHarness.record;
import static io.flowwatch.plugin.directory.SourceHarness.records;
import static io.flowwatch.plugin.directory.SourceHarness.text;
import static io.flowwatch.plugin.directory.SourceHarness.texts;
import static io.flowwatch.plugin.directory.SourceHarness.write;
import static io.flowwatch.plugin.directory.SourceHarness.writeGz;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

class DirectorySourceLiveTest {

    @TempDir
    Path root;
    @TempDir
    Path state;

    @Test
    void linesAppendedToAPlainFileArePickedUp() throws Exception {
        Path file = write(root.resolve("a.log"), text(records(1, 2)));

        try (SourceHarness h = new SourceHarness(root, "", state).open()) {
            h.drain();
            // A writer caught mid-line: only the finished line may be handed over.
            append(file, record(3) + "\n" + record(4).substring(0, 10));
            h.until(l -> l.size() >= 3);
            append(file, record(4).substring(10) + "\n");
            List<Line> lines = h.until(l -> l.size() >= 4);

            assertThat(lines).extracting(Line::number, Line::text)
                    .containsExactly(tuple(1L, record(1)), tuple(2L, record(2)), tuple(3L, record(3)), tuple(4L, record(4)));
            assertThat(FileOffset.parse(h.positions.get("a.log")).bytes()).isEqualTo(Files.size(file));
        }
    }

    @Test
    void newFilesArePickedUp() throws Exception {
        write(root.resolve("a.log"), text(records(1, 1)));

        try (SourceHarness h = new SourceHarness(root, "", state).open()) {
            h.drain();
            writeGz(root.resolve("AWSLogs/1/vpcflowlogs/eu-west-1/2024/05/01/b.log.gz"), text(records(2, 3)));
            write(root.resolve("c.log"), text(records(4, 4)));
            List<Line> lines = h.until(l -> l.size() >= 4);

            assertThat(lines).extracting(Line::file, Line::text).containsExactly(
                    tuple("a.log", record(1)),
                    tuple("AWSLogs/1/vpcflowlogs/eu-west-1/2024/05/01/b.log.gz", record(2)),
                    tuple("AWSLogs/1/vpcflowlogs/eu-west-1/2024/05/01/b.log.gz", record(3)),
                    tuple("c.log", record(4)));
        }
    }

    @Test
    void replacedFileIsReadAgainFromTheStart() throws Exception {
        Path file = write(root.resolve("a.log"), text(records(1, 2)));

        try (LogCapture log = new LogCapture(); SourceHarness h = new SourceHarness(root, "", state).open()) {
            h.drain();
            // Longer than before, so only the file key can tell it is another file.
            Path tmp = write(root.resolve("a.log.tmp"), text(records(11, 15)));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            List<Line> lines = h.until(l -> l.size() >= 7);

            assertThat(lines.subList(2, lines.size())).extracting(Line::number, Line::text).containsExactly(
                    tuple(1L, record(11)), tuple(2L, record(12)), tuple(3L, record(13)), tuple(4L, record(14)), tuple(5L, record(15)));
            assertThat(log.warnings()).anySatisfy(m -> assertThat(m).contains(file.toString()).contains("replaced"));
        }
    }

    @Test
    void fileTruncatedInPlaceIsReadAgainFromTheStart() throws Exception {
        Path file = write(root.resolve("a.log"), text(records(1, 5)));

        try (LogCapture log = new LogCapture(); SourceHarness h = new SourceHarness(root, "", state).open()) {
            h.drain();
            Files.writeString(file, text(records(21, 22)));
            List<Line> lines = h.until(l -> l.size() >= 7);

            assertThat(lines.subList(5, lines.size())).extracting(Line::number, Line::text)
                    .containsExactly(tuple(1L, record(21)), tuple(2L, record(22)));
            assertThat(log.warnings()).anySatisfy(m -> assertThat(m).contains(file.toString()).contains("shorter"));
        }
    }

    @Test
    void missingRootDirectoryIsWaitedFor() throws Exception {
        Path later = root.resolve("not-yet");

        try (LogCapture log = new LogCapture(); SourceHarness h = new SourceHarness(later, "", state).open()) {
            SourceBatch first = h.poll(Duration.ofSeconds(5));
            SourceBatch second = h.poll(Duration.ofMillis(100));

            assertThat(first.isEmpty()).isTrue();
            assertThat(first.caughtUp()).isTrue();
            assertThat(second.isEmpty()).isTrue();
            assertThat(second.caughtUp()).isTrue();
            assertThat(log.warnings()).anySatisfy(m -> assertThat(m).contains(later.toString()));

            write(later.resolve("a.log"), text(records(1, 2)));
            assertThat(texts(h.until(l -> l.size() >= 2))).containsExactlyElementsOf(records(1, 2));
        }
    }

    @Test
    void positionOfADeletedFileIsForgotten() throws Exception {
        Path a = write(root.resolve("a.log"), text(records(1, 1)));
        write(root.resolve("b.log"), text(records(2, 2)));

        try (SourceHarness h = new SourceHarness(root, "", state).open()) {
            h.drain();
            assertThat(h.positions.get("a.log")).isNotNull();
            Files.delete(a);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (h.positions.get("a.log") != null && System.nanoTime() < deadline) {
                h.poll(SourceHarness.POLL);
            }

            assertThat(h.positions).containsKey("a.log");
            assertThat(h.positions.get("a.log")).isNull();
            assertThat(h.positions.get("b.log")).isNotNull();
        }
    }

    @Test
    void wakeupMakesABlockedPollReturn() throws Exception {
        write(root.resolve("a.log"), text(records(1, 1)));

        try (SourceHarness h = new SourceHarness(root, "poll-interval = 1h", state).open()) {
            h.drain();
            long start = System.nanoTime();
            CompletableFuture<SourceBatch> polled = CompletableFuture.supplyAsync(() -> {
                try {
                    return h.source.poll(Duration.ofSeconds(60));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(200);
            assertThat(polled).isNotDone();
            h.source.wakeup();

            assertThat(polled.get(10, TimeUnit.SECONDS).isEmpty()).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
        }
    }

    @Test
    void closeStopsTheReaderThreadPromptly() throws Exception {
        write(root.resolve("a.log"), text(records(1, 50_000)));
        SourceHarness h = new SourceHarness(root, "chunk-size = 4KiB, max-line-length = 1KiB, read-ahead = 1", state).open();
        String prefix = "test-" + h.ctx.name() + "-";
        assertThat(readerThreads(prefix)).hasSize(1);
        Thread reader = readerThreads(prefix).get(0);

        h.poll(Duration.ofSeconds(5)); // the reader is now blocked on a full queue, mid-file
        long start = System.nanoTime();
        h.close();

        assertThat(reader.isAlive()).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }

    private static List<Thread> readerThreads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(prefix)).toList();
    }
}
