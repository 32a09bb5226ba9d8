package io.flowwatch.plugin.s3;

import io.flowwatch.plugin.s3.S3Harness.Line;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static io.flowwatch.plugin.s3.S3Harness.ACCOUNT;
import static io.flowwatch.plugin.s3.S3Harness.DAY;
import static io.flowwatch.plugin.s3.S3Harness.REGION;
import static io.flowwatch.plugin.s3.S3Harness.delivery;
import static io.flowwatch.plugin.s3.S3Harness.key;
import static io.flowwatch.plugin.s3.S3Harness.records;
import static io.flowwatch.plugin.s3.S3Harness.texts;
import static org.assertj.core.api.Assertions.assertThat;

class S3SourceResumeAndLateTest {

    private static final AtomicInteger BUCKETS = new AtomicInteger();
    private static final String PARTITION = ACCOUNT + "/" + REGION;
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
        String b = "late-" + BUCKETS.incrementAndGet();
        server.createBucket(b);
        return b;
    }

    @Test
    void aRestartResumesFromTheCommittedPositionWithoutReadingObjectsAgain() throws Exception {
        String b = newBucket();
        server.put(b, key(DAY, "1000"), delivery(1, 3));
        server.put(b, key(DAY, "1005"), delivery(4, 6));
        Map<String, String> committed;
        try (S3Harness h = new S3Harness(server, b, "", state).open()) {
            assertThat(texts(h.drain())).containsExactlyElementsOf(records(1, 6));
            committed = new HashMap<>(h.positions);
        }
        assertThat(committed.get(PARTITION)).hasSizeLessThan(400);
        server.put(b, key(DAY, "1010"), delivery(7, 8));
        try (S3Harness h = new S3Harness(server, b, "", state).open(committed)) {
            assertThat(texts(h.drain())).containsExactlyElementsOf(records(7, 8));
            assertThat(h.drain()).isEmpty();
        }
    }

    @Test
    void aRestartInTheMiddleDeliversEveryLineAndRereadsAtMostTheObjectInFlight() throws Exception {
        String b = newBucket();
        for (int i = 0; i < 20; i++) {
            server.put(b, key(DAY, String.format("10%02d", i)), delivery(i * 10, i * 10 + 9));
        }
        Map<String, String> committed;
        List<String> before;
        try (S3Harness h = new S3Harness(server, b, "read-ahead = 1", state).open()) {
            h.until(l -> l.size() >= 50);
            committed = new HashMap<>(h.positions);
            before = texts(h.lines);
        }
        String after = PartitionCursor.parse(committed.get(PARTITION)).after;
        try (S3Harness h = new S3Harness(server, b, "", state).open(committed)) {
            List<Line> rest = h.drain();
            assertThat(rest).allSatisfy(l -> assertThat(l.origin().substring(l.origin().indexOf("2024/"))).isGreaterThan(after));
            assertThat(new java.util.TreeSet<>(concat(before, texts(rest)))).containsExactlyInAnyOrderElementsOf(records(0, 199));
        }
    }

    @Test
    void anObjectDeliveredLateBeforeTheLastKeyIsReadExactlyOnce() throws Exception {
        String b = newBucket();
        server.put(b, key(DAY, "1000"), delivery(1, 1));
        server.put(b, key(DAY, "1100"), delivery(2, 2));
        try (S3Harness h = new S3Harness(server, b, "", state).open()) {
            assertThat(texts(h.drain())).containsExactlyElementsOf(records(1, 2));

            // Late into an earlier hour of the same day, into the previous day, and from another flow
            // log whose keys sort before everything read so far.
            String earlierHour = key(DAY, "1030");
            String previousDay = key(DAY.minusDays(1), "2355");
            String otherFlowLog = key(DAY, "1000").replace("fl-0a1b2c3d", "fl-00000000");
            server.put(b, earlierHour, delivery(3, 3));
            server.put(b, previousDay, delivery(4, 4));
            server.put(b, otherFlowLog, delivery(5, 5));

            List<Line> late = h.until(l -> l.size() >= 5);
            assertThat(texts(late.subList(2, late.size()))).containsExactlyInAnyOrderElementsOf(records(3, 5));
            assertThat(h.ctx.metrics().value("source_late_objects_total")).isEqualTo(3);
            // Polls go on, the recent days are listed again and again: nothing comes twice.
            h.drain();
            h.drain();
            assertThat(texts(h.lines)).hasSize(5).doesNotHaveDuplicates();

            Map<String, String> committed = new HashMap<>(h.positions);
            h.close();
            try (S3Harness again = new S3Harness(server, b, "", state).open(committed)) {
                assertThat(again.drain()).isEmpty();
                server.put(b, key(DAY, "0900"), delivery(6, 6));
                server.put(b, key(DAY, "1200"), delivery(7, 7));
                assertThat(texts(again.until(l -> l.size() >= 2))).containsExactlyInAnyOrderElementsOf(records(6, 7));
                again.drain();
                assertThat(again.lines).hasSize(2);
            }
        }
    }

    @Test
    void lateDaysZeroOnlyWatchesTheNewestDay() throws Exception {
        String b = newBucket();
        server.put(b, key(DAY, "1000"), delivery(1, 1));
        try (S3Harness h = new S3Harness(server, b, "late-days = 0", state).open()) {
            assertThat(texts(h.drain())).containsExactlyElementsOf(records(1, 1));
            server.put(b, key(DAY.minusDays(1), "2300"), delivery(2, 2)); // outside the window: documented loss
            server.put(b, key(DAY, "0900"), delivery(3, 3));
            assertThat(texts(h.until(l -> l.size() >= 2))).containsExactlyElementsOf(List.of(S3Harness.record(1), S3Harness.record(3)));
            h.drain();
            assertThat(h.lines).hasSize(2);
        }
    }

    static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new java.util.ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
