package io.flowwatch.plugin.s3;

import io.flowwatch.api.source.SourceBatch;
import io.flowwatch.plugin.s3.S3Harness.Line;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static io.flowwatch.plugin.s3.S3Harness.DAY;
import static io.flowwatch.plugin.s3.S3Harness.delivery;
import static io.flowwatch.plugin.s3.S3Harness.key;
import static io.flowwatch.plugin.s3.S3Harness.records;
import static io.flowwatch.plugin.s3.S3Harness.texts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class S3SourceProblemsTest {

    private static final AtomicInteger BUCKETS = new AtomicInteger();
    static S3TestServer server;

    @TempDir
    Path state;

    @BeforeAll
    static void start() throws Exception {
        server = new S3TestServer();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    static String newBucket() {
        String b = "problems-" + BUCKETS.incrementAndGet();
        server.createBucket(b);
        return b;
    }

    @Test
    void corruptGzipKeepsTheLinesBeforeTheDamageIsCountedAndReadingGoesOn() throws Exception {
        String b = newBucket();
        byte[] whole = delivery(1, 5000);
        String truncated = key(DAY, "1000");
        String notGzip = key(DAY, "1005");
        String damaged = key(DAY, "1010");
        String good = key(DAY, "1015");
        server.put(b, truncated, Arrays.copyOf(whole, whole.length / 2));
        server.put(b, notGzip, "this is not gzip\n".getBytes(StandardCharsets.UTF_8));
        byte[] flipped = delivery(20_000, 25_000);
        for (int i = flipped.length / 2; i < flipped.length / 2 + 64; i++) {
            flipped[i] = (byte) ~flipped[i];
        }
        server.put(b, damaged, flipped);
        server.put(b, good, delivery(9001, 9002));

        try (LogCapture log = new LogCapture(); S3Harness h = new S3Harness(server, b, "chunk-size = 16KiB", state).open()) {
            List<Line> lines = h.drain();

            List<String> fromTruncated = texts(lines.stream().filter(l -> l.origin().equals(h.origin(truncated))).toList());
            assertThat(fromTruncated).isNotEmpty().hasSizeLessThan(5000);
            assertThat(fromTruncated).containsExactlyElementsOf(records(1, fromTruncated.size()));
            // Deflate may decode damaged bytes into garbage before it notices (at the latest at the CRC
            // check in the trailer): what comes before the damage is intact, the garbage is for the
            // parser to count as malformed lines.
            List<String> fromDamaged = texts(lines.stream().filter(l -> l.origin().equals(h.origin(damaged))).toList());
            assertThat(fromDamaged.subList(0, 100)).containsExactlyElementsOf(records(20_000, 20_099));
            assertThat(lines.stream().filter(l -> l.origin().equals(h.origin(notGzip)))).isEmpty();
            assertThat(texts(lines.stream().filter(l -> l.origin().equals(h.origin(good))).toList()))
                    .containsExactlyElementsOf(records(9001, 9002));

            assertThat(h.ctx.metrics().value("source_object_errors_total")).isEqualTo(3);
            // Located: the object and the line where the damage was met (the header is line 1).
            assertThat(log.errors()).anySatisfy(m -> assertThat(m)
                    .contains(h.origin(truncated) + ":" + (fromTruncated.size() + 2) + ":").contains("ends early"));
            assertThat(log.errors()).anySatisfy(m -> assertThat(m).contains(h.origin(notGzip) + ":1:").contains("corrupt"));
            assertThat(log.errors()).anySatisfy(m -> assertThat(m).contains(h.origin(damaged) + ":").contains("corrupt"));
            // Damaged objects are passed over for good: not read again on later polls.
            h.drain();
            assertThat(h.ctx.metrics().value("source_object_errors_total")).isEqualTo(3);
        }
    }

    @Test
    void aMissingBucketFailsOpenWithAMessageNamingBucketAndPrefix() {
        S3Harness h = new S3Harness(server, "no-such-bucket", "prefix = \"logs/AWSLogs/\"", state);
        assertThatThrownBy(h::open).isInstanceOf(IOException.class)
                .hasMessageContaining("no-such-bucket").hasMessageContaining("logs/AWSLogs/")
                .hasMessageContaining("NoSuchBucket").hasMessageContaining("404");
        h.close();
    }

    @Test
    void aBucketThatGoesAwayIsReportedOnPollAndTheSourceRecovers() throws Exception {
        String b = newBucket();
        server.put(b, key(DAY, "1000"), delivery(1, 1));
        try (S3Harness h = new S3Harness(server, b, "", state).open()) {
            assertThat(texts(h.drain())).containsExactlyElementsOf(records(1, 1));
            server.store.deleteContainer(b);

            IOException failure = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (failure == null && System.nanoTime() < deadline) {
                try {
                    h.poll(S3Harness.POLL);
                } catch (IOException e) {
                    failure = e;
                }
            }
            assertThat(failure).isNotNull();
            assertThat(failure.getMessage()).contains("s3://" + b + "/AWSLogs/").contains("NoSuchBucket");
            assertThat(h.ctx.metrics().value("source_s3_errors_total")).isGreaterThanOrEqualTo(1);
            assertThat(h.ctx.metrics().value("aws_api_errors_total{operation=\"ListObjectsV2\"}")).isGreaterThanOrEqualTo(1);

            server.createBucket(b);
            server.put(b, key(DAY, "1100"), delivery(2, 2));
            List<Line> after = pollThroughErrors(h, l -> l.size() >= 2);
            assertThat(texts(after)).containsExactlyElementsOf(records(1, 2));
        }
    }

    @Test
    void parquetObjectsAreReadInKeyOrderAsLinesWithTheirColumnsAsFormat() throws Exception {
        String b = newBucket();
        // AWS's Parquet schema: underscores for hyphens, INT_32/INT_64 numbers (the Athena table AWS documents).
        String select = "SELECT 2::INTEGER AS version, '123456789012' AS account_id, 'eni-1' AS interface_id,"
                + " '10.0.0.' || i AS srcaddr, '10.1.0.9' AS dstaddr, 443::INTEGER AS srcport, (40000 + i)::INTEGER AS dstport,"
                + " 6::BIGINT AS protocol, i::BIGINT AS packets, 840::BIGINT AS bytes, 1714600000::BIGINT AS start,"
                + " 1714600060::BIGINT AS \"end\", 'ACCEPT' AS action, CASE WHEN i = 2 THEN NULL ELSE 'OK' END AS log_status,"
                + " 'ingress' AS flow_direction FROM range(1, 4) t(i) ORDER BY i";
        String parquet = key(DAY, "1005").replace(".log.gz", ".log.parquet");
        server.put(b, key(DAY, "1000"), delivery(1, 1));
        server.put(b, parquet, ParquetFiles.write(state, select));
        server.put(b, key(DAY, "1010"), delivery(9, 9));
        try (S3Harness h = new S3Harness(server, b, "", state).open()) {
            List<Line> lines = h.drain();
            assertThat(texts(lines)).containsExactly(
                    S3Harness.record(1),
                    "2 123456789012 eni-1 10.0.0.1 10.1.0.9 443 40001 6 1 840 1714600000 1714600060 ACCEPT OK ingress",
                    "2 123456789012 eni-1 10.0.0.2 10.1.0.9 443 40002 6 2 840 1714600000 1714600060 ACCEPT - ingress",
                    "2 123456789012 eni-1 10.0.0.3 10.1.0.9 443 40003 6 3 840 1714600000 1714600060 ACCEPT OK ingress",
                    S3Harness.record(9));
            Line row = lines.get(1);
            assertThat(row.origin()).isEqualTo(h.origin(parquet));
            assertThat(row.number()).isEqualTo(1);
            assertThat(row.format().spec()).isEqualTo("${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport}"
                    + " ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${flow-direction}");
            assertThat(h.ctx.metrics().value("source_objects_total")).isEqualTo(3);
        }
    }

    @Test
    void serverErrorsAreRetriedCountedAndReportedAndNothingIsLost() throws Exception {
        String b = newBucket();
        for (int i = 0; i < 5; i++) {
            server.put(b, key(DAY, String.format("10%02d", i)), delivery(i * 3, i * 3 + 2));
        }
        try (S3Harness h = new S3Harness(server, b, "", state).open()) {
            // More failures than the SDK retries one call (3 attempts): the source's own backoff takes over.
            server.failures.set(8);
            List<Line> lines = pollThroughErrors(h, l -> l.size() >= 15);
            assertThat(texts(lines)).containsExactlyElementsOf(records(0, 14));
            assertThat(server.failures.get()).isZero();
            assertThat(h.ctx.metrics().value("source_s3_errors_total")).isGreaterThanOrEqualTo(1);
            double apiErrors = h.ctx.metrics().value("aws_api_errors_total{operation=\"ListObjectsV2\"}")
                    + h.ctx.metrics().value("aws_api_errors_total{operation=\"GetObject\"}");
            assertThat(apiErrors).isGreaterThanOrEqualTo(1);
            h.drain();
            assertThat(h.lines).hasSize(15);
        } finally {
            server.failures.set(0);
        }
    }

    @Test
    void slowDownForAWhileThenSlowAnswersAreBackedOffCountedAndCaughtUpWithNothingLostOrDoubled() throws Exception {
        String b = newBucket();
        for (int i = 0; i < 3; i++) {
            server.put(b, key(DAY, String.format("10%02d", i)), delivery(i * 3, i * 3 + 2));
        }
        try (S3Harness h = new S3Harness(server, b, "", state).open()) {
            // 503 SlowDown to 20 calls in a row: several of the SDK's own retry rounds, then the source's backoff.
            server.failures.set(20);
            List<Line> first = pollThroughErrors(h, l -> l.size() >= 9);
            assertThat(texts(first)).containsExactlyElementsOf(records(0, 8));
            assertThat(server.failures.get()).isZero();
            double apiErrors = h.ctx.metrics().value("aws_api_errors_total{operation=\"ListObjectsV2\"}")
                    + h.ctx.metrics().value("aws_api_errors_total{operation=\"GetObject\"}");
            assertThat(apiErrors).as("503 SlowDown answers are counted").isGreaterThanOrEqualTo(1);
            assertThat(h.ctx.metrics().value("source_s3_errors_total")).isGreaterThanOrEqualTo(1);

            // Then every call takes 1.5 s (within api-timeout) while more objects arrive.
            server.delayMillis.set(1500);
            for (int i = 3; i < 5; i++) {
                server.put(b, key(DAY, String.format("10%02d", i)), delivery(i * 3, i * 3 + 2));
            }
            long t0 = System.nanoTime();
            List<Line> all = pollThroughErrors(h, l -> l.size() >= 15);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("the answers were slow").isGreaterThan(Duration.ofSeconds(2));
            server.delayMillis.set(0);
            h.drain();
            assertThat(texts(h.lines)).as("every record once, in order").containsExactlyElementsOf(records(0, 14));
            assertThat(all).hasSize(15);
        } finally {
            server.failures.set(0);
            server.delayMillis.set(0);
        }
    }

    @Test
    void aParquetObjectWithUnexpectedColumnsIsReportedAndPassedOver() throws Exception {
        String b = newBucket();
        String bad = key(DAY, "1000").replace(".log.gz", ".log.parquet");
        server.put(b, bad, ParquetFiles.write(state, "SELECT 1 AS \"Foo\", 'x' AS \"Bar Baz\""));
        String notParquet = key(DAY, "1005").replace(".log.gz", ".log.parquet");
        server.put(b, notParquet, "PAR? no".getBytes(StandardCharsets.UTF_8));
        server.put(b, key(DAY, "1010"), delivery(1, 1));
        try (LogCapture log = new LogCapture(); S3Harness h = new S3Harness(server, b, "", state).open()) {
            assertThat(texts(h.drain())).containsExactlyElementsOf(records(1, 1));
            assertThat(h.ctx.metrics().value("source_object_errors_total")).isEqualTo(2);
            assertThat(log.errors()).anySatisfy(m -> assertThat(m).contains(h.origin(bad)).contains("Foo"));
            assertThat(log.errors()).anySatisfy(m -> assertThat(m).contains(h.origin(notParquet)).contains("not a readable Parquet file"));
        }
    }

    /** Polls like the runtime, which logs a thrown problem, backs off and polls again. */
    static List<Line> pollThroughErrors(S3Harness h, java.util.function.Predicate<List<Line>> done) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!done.test(h.lines) && System.nanoTime() < deadline) {
            try {
                SourceBatch ignored = h.poll(S3Harness.POLL);
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        return List.copyOf(h.lines);
    }
}
