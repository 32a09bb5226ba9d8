package io.flowwatch.plugin.s3;

import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.plugin.s3.S3Harness.Line;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static io.flowwatch.plugin.s3.S3Harness.ACCOUNT;
import static io.flowwatch.plugin.s3.S3Harness.ACCOUNT2;
import static io.flowwatch.plugin.s3.S3Harness.DAY;
import static io.flowwatch.plugin.s3.S3Harness.REGION;
import static io.flowwatch.plugin.s3.S3Harness.REGION2;
import static io.flowwatch.plugin.s3.S3Harness.delivery;
import static io.flowwatch.plugin.s3.S3Harness.gzip;
import static io.flowwatch.plugin.s3.S3Harness.key;
import static io.flowwatch.plugin.s3.S3Harness.records;
import static io.flowwatch.plugin.s3.S3Harness.text;
import static io.flowwatch.plugin.s3.S3Harness.texts;
import static org.assertj.core.api.Assertions.assertThat;

class S3SourceReadingTest {

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
        String b = "flow-logs-" + BUCKETS.incrementAndGet();
        server.createBucket(b);
        return b;
    }

    @Test
    void readsEveryPartitionInKeyOrderWithHeaderFormatsAndOrigins() throws Exception {
        String b = newBucket();
        // Put out of key order: the listing, not the upload order, decides.
        String k3 = key(ACCOUNT, REGION, DAY, "0010", "cccc");
        String k1 = key(ACCOUNT, REGION, DAY.minusDays(1), "2355", "aaaa");
        String k2 = key(ACCOUNT, REGION, DAY, "0005", "bbbb");
        String other = key(ACCOUNT2, REGION2, DAY, "0005", "dddd");
        server.put(b, k3, delivery(7, 9));
        server.put(b, k1, delivery(1, 3));
        server.put(b, k2, delivery(4, 6));
        server.put(b, other, delivery(100, 101));
        // A custom format, as AWS writes it: the header names the fields.
        String custom = key(ACCOUNT, REGION, DAY, "0015", "eeee");
        server.put(b, custom, gzip("version srcaddr dstaddr action flow-direction\n5 10.0.0.1 10.0.0.2 REJECT ingress\n"));
        // Not flow logs: ignored.
        server.put(b, "AWSLogs/" + ACCOUNT + "/vpcflowlogs/" + REGION + "/2024/05/02/README.txt", "hello".getBytes(StandardCharsets.UTF_8));
        server.put(b, "AWSLogs/" + ACCOUNT + "/vpcflowlogs/" + REGION + "/notes/x.log.gz", delivery(900, 900));

        try (S3Harness h = new S3Harness(server, b, "", state).open()) {
            List<Line> lines = h.drain();

            List<Line> first = lines.stream().filter(l -> l.origin().contains("/" + ACCOUNT + "/")).toList();
            assertThat(texts(first)).containsExactlyElementsOf(
                    concat(records(1, 9), List.of("5 10.0.0.1 10.0.0.2 REJECT ingress")));
            assertThat(first.get(0)).isEqualTo(new Line(h.origin(k1), 2, S3Harness.record(1), FlowFormat.fromHeaderLine(S3Harness.HEADER).orElseThrow()));
            assertThat(first.get(5).origin()).isEqualTo(h.origin(k2));
            assertThat(first.get(5).number()).isEqualTo(4);
            Line customLine = first.get(9);
            assertThat(customLine.origin()).isEqualTo(h.origin(custom));
            assertThat(customLine.format().spec()).isEqualTo("${version} ${srcaddr} ${dstaddr} ${action} ${flow-direction}");
            assertThat(texts(lines.stream().filter(l -> l.origin().contains("/" + ACCOUNT2 + "/")).toList()))
                    .containsExactlyElementsOf(records(100, 101));

            assertThat(h.positions).containsOnlyKeys(ACCOUNT + "/" + REGION, ACCOUNT2 + "/" + REGION2);
            assertThat(PartitionCursor.parse(h.positions.get(ACCOUNT + "/" + REGION)).after)
                    .isEqualTo(custom.substring(custom.indexOf("2024/")));
            assertThat(h.ctx.metrics().value("source_objects_total")).isEqualTo(5);
            // Caught up, it stays quiet: nothing is handed over twice.
            assertThat(h.drain()).isEmpty();
            assertThat(h.drain()).isEmpty();
        }
    }

    @Test
    void accountAndRegionFiltersAndANarrowPrefixLimitThePartitions() throws Exception {
        String b = newBucket();
        server.put(b, key(ACCOUNT, REGION, DAY, "0005", "a"), delivery(1, 1));
        server.put(b, key(ACCOUNT, REGION2, DAY, "0005", "a"), delivery(2, 2));
        server.put(b, key(ACCOUNT2, REGION, DAY, "0005", "a"), delivery(3, 3));

        try (S3Harness h = new S3Harness(server, b, "accounts = [\"" + ACCOUNT + "\"], regions = [" + REGION2 + "]", state).open()) {
            assertThat(texts(h.drain())).containsExactlyElementsOf(records(2, 2));
        }
        try (S3Harness h = new S3Harness(server, b, "prefix = \"AWSLogs/" + ACCOUNT2 + "/vpcflowlogs/\"", state).open()) {
            assertThat(texts(h.drain())).containsExactlyElementsOf(records(3, 3));
        }
    }

    @Test
    void hiveCompatiblePrefixesAndPlainLogObjectsAreRead() throws Exception {
        String b = newBucket();
        String hive = "AWSLogs/aws-account-id=" + ACCOUNT + "/aws-service=vpcflowlogs/aws-region=" + REGION
                + "/year=2024/month=05/day=02/hour=10/" + ACCOUNT + "_vpcflowlogs_" + REGION + "_fl-1_20240502T1000Z_ab.log.gz";
        String plain = "AWSLogs/aws-account-id=" + ACCOUNT + "/aws-service=vpcflowlogs/aws-region=" + REGION
                + "/year=2024/month=05/day=02/hour=11/x.log";
        server.put(b, hive, delivery(1, 2));
        server.put(b, plain, text(records(3, 4)).getBytes(StandardCharsets.UTF_8));

        try (S3Harness h = new S3Harness(server, b, "", state).open()) {
            List<Line> lines = h.drain();
            assertThat(texts(lines)).containsExactlyElementsOf(records(1, 4));
            // Without a header, a plain object takes the configured format (null: the runtime's default).
            assertThat(lines.get(2).format()).isNull();
            assertThat(lines.get(2).number()).isEqualTo(1);
            assertThat(h.positions).containsOnlyKeys(ACCOUNT + "/" + REGION + "/hive");
        }
    }

    @Test
    void fromAndToBoundTheDaysRead() throws Exception {
        String b = newBucket();
        for (int d = -3; d <= 2; d++) {
            server.put(b, key(DAY.plusDays(d), "1200"), delivery(10 + d, 10 + d));
        }
        String hocon = "from = \"" + DAY.minusDays(2) + "\", to = \"" + DAY + "\"";
        try (S3Harness h = new S3Harness(server, b, hocon, state).open()) {
            assertThat(texts(h.drain())).containsExactlyElementsOf(records(8, 10));
        }
        // Without from, the source starts yesterday by its clock (the harness clock is DAY + 1, 01:00).
        try (S3Harness h = new S3Harness(server, b, "from = null", state).open()) {
            assertThat(texts(h.drain())).containsExactlyElementsOf(records(10, 12));
        }
    }

    @Test
    void manyObjectsAcrossListingPagesArriveInOrderWithChunksOfWholeLines() throws Exception {
        String b = newBucket();
        // More than one ListObjectsV2 page (1000 keys), and objects larger than a chunk.
        int objects = 1005;
        for (int i = 0; i < objects; i++) {
            server.put(b, key(ACCOUNT, REGION, DAY, "0000", String.format("h%05d", i)), delivery(i * 2, i * 2 + 1));
        }
        server.put(b, key(ACCOUNT, REGION, DAY, "2300", "big"), delivery(100_000, 140_000));
        try (S3Harness h = new S3Harness(server, b, "chunk-size = 64KiB, read-ahead = 2", state).open()) {
            List<Line> lines = h.drain();
            assertThat(texts(lines)).containsExactlyElementsOf(concat(records(0, objects * 2 - 1), records(100_000, 140_000)));
            List<Line> big = lines.stream().filter(l -> l.origin().contains("big")).toList();
            for (int i = 0; i < big.size(); i++) {
                assertThat(big.get(i).number()).isEqualTo(i + 2);
            }
        }
    }

    static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new java.util.ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
