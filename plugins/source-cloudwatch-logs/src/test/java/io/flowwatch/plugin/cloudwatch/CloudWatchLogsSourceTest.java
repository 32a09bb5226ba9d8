package io.flowwatch.plugin.cloudwatch;

import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.source.SourceBatch;
import io.flowwatch.plugin.cloudwatch.CwlHarness.Delivered;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static io.flowwatch.plugin.cloudwatch.CwlHarness.GROUP;
import static io.flowwatch.plugin.cloudwatch.CwlHarness.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The source with the real SDK against {@link FakeCloudWatchLogs}: reading, late events, resume, start. */
class CloudWatchLogsSourceTest {

    @TempDir
    Path state;
    FakeCloudWatchLogs fake;
    final List<CwlHarness> harnesses = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        fake = new FakeCloudWatchLogs();
        fake.createGroup(GROUP);
    }

    @AfterEach
    void stop() throws IOException {
        for (CwlHarness h : harnesses) {
            h.close();
        }
        assertThat(fake.protocolViolations()).as("requests the endpoint did not understand").isEmpty();
        fake.close();
    }

    CwlHarness harness(String hocon) throws IOException {
        CwlHarness h = new CwlHarness(fake, hocon, state);
        harnesses.add(h);
        return h;
    }

    /** A default-format (version 2) record whose start is {@code startSec}. */
    static String line(String eni, int n, long startSec) {
        return "2 123456789012 " + eni + " 10.0.0." + (n % 250 + 1) + " 10.0.1.5 " + (40000 + n) + " 443 6 10 840 "
                + startSec + " " + (startSec + 60) + " ACCEPT OK";
    }

    void put(String stream, long ts, String msg) {
        fake.put(GROUP, stream, ts, msg);
    }

    @Test
    void speaksAwsJson11AndPagesThroughEveryStreamInTimestampOrder() throws Exception {
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            String stream = "eni-" + (i % 3) + "-all";
            String msg = line(stream, i, (T0 - 600_000) / 1000 + i);
            put(stream, T0 - 600_000 + i * 1000L, msg);
            expected.add(msg);
        }
        CwlHarness h = harness("start = earliest, page-limit = 10").open();

        List<Delivered> got = h.scan();

        assertThat(h.messages(got)).containsExactlyElementsOf(expected);
        List<FakeCloudWatchLogs.Request> reqs = fake.requests();
        assertThat(reqs).hasSize(3);
        assertThat(reqs.get(0).string("nextToken")).isEmpty();
        assertThat(reqs.get(1).string("nextToken")).isPresent();
        assertThat(reqs.get(2).string("nextToken")).isPresent();
        for (FakeCloudWatchLogs.Request r : reqs) {
            assertThat(r.string("logGroupName")).contains(GROUP);
            assertThat(r.number("limit")).contains(10L);
            assertThat(r.number("startTime")).contains(0L);
            assertThat(r.number("endTime")).contains(T0); // the clock's now, the same on every page of the scan
        }
        assertThat(h.batches.get(h.batches.size() - 1).caughtUp()).isTrue();
        assertThat(h.batches.get(0).caughtUp()).as("not caught up while pages remain").isFalse();
    }

    @Test
    void eachEventIsOneChunkWithItsEventTimeFormatAndLocatableOrigin() throws Exception {
        fake.createGroup(GROUP);
        FakeCloudWatchLogs.Event e = fake.put(GROUP, "eni-0abc-all", T0 - 1234, "garbage that is no flow record");
        CwlHarness h = harness("start = earliest, format = \"${srcaddr} ${dstaddr} ${action}\"").open();

        List<Delivered> got = h.scan();

        assertThat(got).hasSize(1);
        Delivered d = got.get(0);
        assertThat(d.chunk().origin()).isEqualTo(GROUP + "/eni-0abc-all@" + e.eventId());
        assertThat(d.chunk().firstLine()).isEqualTo(1);
        assertThat(d.fallbackEventTime()).as("CloudWatch timestamp in epoch seconds").isEqualTo(Math.floorDiv(T0 - 1234, 1000));
        assertThat(d.chunk().format()).isEqualTo(FlowFormat.parse("${srcaddr} ${dstaddr} ${action}"));
        assertThat(h.metric("cloudwatch_events_total")).isEqualTo(1);
    }

    @Test
    void defaultFormatIsTheAwsDefault() throws Exception {
        put("eni-1", T0 - 1000, line("eni-1", 1, T0 / 1000 - 1));
        CwlHarness h = harness("start = earliest").open();
        assertThat(h.scan().get(0).chunk().format()).isEqualTo(FlowFormat.DEFAULT);
    }

    @Test
    void overlapReReadIsSkippedAndLateEventsAreDeliveredExactlyOnce() throws Exception {
        for (int i = 0; i < 5; i++) {
            put("eni-a", T0 - 60_000 + i * 10_000L, "early " + i);
        }
        CwlHarness h = harness("start = earliest, overlap = 5m").open();
        assertThat(h.messages(h.scan())).containsExactly("early 0", "early 1", "early 2", "early 3", "early 4");
        long hwm = T0 - 60_000 + 40_000;

        // Late: stamped before the high-water mark (inside the overlap), ingested after the first scan.
        h.clock.advance(Duration.ofSeconds(30));
        put("eni-b", hwm - 120_000, "late in overlap");
        put("eni-a", T0 + 10_000, "new");

        List<Delivered> second = h.scan();
        assertThat(h.messages(second)).containsExactly("late in overlap", "new");
        assertThat(fake.requests().get(fake.requests().size() - 1).number("startTime"))
                .as("re-reads from the high-water mark minus the overlap").contains(hwm - 300_000);

        h.clock.advance(Duration.ofSeconds(30));
        assertThat(h.scan()).as("a scan with nothing new delivers nothing").isEmpty();
        assertThat(h.metric("cloudwatch_events_duplicate_total")).isGreaterThanOrEqualTo(5 + 7);
        assertThat(h.metric("cloudwatch_events_total")).isEqualTo(7);
    }

    @Test
    void anEventLaterThanTheOverlapIsNotRead() throws Exception {
        // Pins the documented limit, so a change to it is deliberate.
        put("eni-a", T0 - 1000, "recent");
        CwlHarness h = harness("start = earliest, overlap = 1m").open();
        h.scan();
        put("eni-a", T0 - 1000 - 61_000, "too late");
        h.clock.advance(Duration.ofSeconds(5));
        assertThat(h.scan()).isEmpty();
    }

    @Test
    void eventsAtTheSameMillisecondAreAllDeliveredOnce() throws Exception {
        for (int i = 0; i < 4; i++) {
            put("eni-" + i, T0 - 5000, "same ms " + i);
        }
        CwlHarness h = harness("start = earliest, page-limit = 3").open();
        assertThat(h.scan()).hasSize(4);
        put("eni-9", T0 - 5000, "same ms late");
        h.clock.advance(Duration.ofSeconds(1));
        assertThat(h.messages(h.scan())).containsExactly("same ms late");
    }

    @Test
    void newStreamsArePickedUpWithoutDiscovery() throws Exception {
        put("eni-a", T0 - 2000, "a1");
        CwlHarness h = harness("start = earliest").open();
        assertThat(h.messages(h.scan())).containsExactly("a1");

        put("eni-new", T0 + 500, "new stream");
        h.clock.advance(Duration.ofSeconds(1));
        List<Delivered> got = h.scan();
        assertThat(got).extracting(Delivered::stream).containsExactly("eni-new");
    }

    @Test
    void streamPrefixLimitsTheStreamsRead() throws Exception {
        put("eni-a-all", T0 - 2000, "a");
        put("other-b", T0 - 1500, "b");
        put("eni-c-all", T0 - 1000, "c");
        CwlHarness h = harness("start = earliest, stream-prefix = \"eni-\"").open();
        assertThat(h.messages(h.scan())).containsExactly("a", "c");
        assertThat(fake.requests().get(0).string("logStreamNamePrefix")).contains("eni-");
    }

    @Test
    void emptyPagesWithATokenDoNotEndTheScan() throws Exception {
        put("eni-a", T0 - 2000, "after empty pages");
        fake.queue(FakeCloudWatchLogs.Fault.EMPTY_PAGE_WITH_TOKEN, 2);
        CwlHarness h = harness("start = earliest").open();
        assertThat(h.messages(h.scan())).containsExactly("after empty pages");
        assertThat(fake.requests()).hasSize(3);
    }

    @Test
    void logGroupArnIsSentAsIdentifier() throws Exception {
        put("eni-a", T0 - 2000, "x");
        CwlHarness h = harness("start = earliest, log-group = \"arn:aws:logs:eu-west-1:123456789012:log-group:" + GROUP + ":*\"").open();
        List<Delivered> got = h.scan();
        assertThat(got).extracting(Delivered::group).containsExactly(GROUP);
        assertThat(fake.requests().get(0).string("logGroupIdentifier")).contains("arn:aws:logs:eu-west-1:123456789012:log-group:" + GROUP);
        assertThat(fake.requests().get(0).string("logGroupName")).isEmpty();
    }

    @Test
    void startLatestReadsWhatIsIngestedFromNowOn() throws Exception {
        put("eni-a", T0 - 60_000, "ingested before start"); // the fake's ingestion clock is at T0
        put("eni-a", T0 - 1, "ingested before start too");
        CwlHarness h = harness("start = latest").open();
        assertThat(h.scan()).isEmpty();
        fake.setIngestionClock(T0 + 3000);
        put("eni-b", T0 - 120_000, "stamped before start, ingested after"); // flow logs arrive minutes late
        put("eni-a", T0 + 2000, "after start");
        h.clock.advance(Duration.ofSeconds(5));
        assertThat(h.messages(h.scan())).containsExactly("stamped before start, ingested after", "after start");
        assertThat(fake.requests().get(0).number("startTime")).as("now minus the overlap").contains(T0 - 300_000);
    }

    @Test
    void startTimestampBackfillsFromThatTime() throws Exception {
        long from = T0 - 3_600_000;
        put("eni-a", from - 1, "just before");
        put("eni-a", from, "at from");
        put("eni-a", from + 60_000, "after");
        CwlHarness h = harness("start = \"2023-11-14T21:13:20Z\"").open(); // T0 - 1h
        assertThat(h.messages(h.scan())).containsExactly("at from", "after");
        assertThat(fake.requests().get(0).number("startTime")).contains(from);
    }

    @Test
    void resumesFromACommittedPositionWithoutDuplicatesOrGaps() throws Exception {
        for (int i = 0; i < 6; i++) {
            put("eni-" + (i % 2), T0 - 100_000 + i * 10_000L, "first " + i);
        }
        CwlHarness a = harness("start = earliest").open();
        assertThat(a.scan()).hasSize(6);
        Map<String, String> committed = Map.copyOf(a.positions);
        assertThat(committed).containsOnlyKeys(GROUP);
        a.close();
        harnesses.remove(a);

        // While the agent is down: a late event (before the mark, ingested after the commit), and new ones.
        fake.setIngestionClock(1_700_000_100_000L);
        put("eni-1", T0 - 100_000 + 25_000, "late while down");
        put("eni-2", T0 + 1000, "new 1");
        put("eni-0", T0 + 2000, "new 2");

        CwlHarness b = harness("start = earliest");
        b.clock.advance(Duration.ofSeconds(10));
        b.open(committed);
        assertThat(b.messages(b.scan())).containsExactly("late while down", "new 1", "new 2");
        assertThat(fake.requests().get(fake.requests().size() - 1).number("startTime"))
                .as("a committed position wins over start = earliest").contains(T0 - 50_000 - 300_000);
    }

    @Test
    void resumesMidScanFromThePositionOfTheFirstPage() throws Exception {
        for (int i = 0; i < 9; i++) {
            put("eni-" + (i % 3), T0 - 90_000 + i * 1000L, "e" + i);
        }
        // Two events share the last millisecond of page one; only one of them is on it.
        put("eni-x", T0 - 90_000 + 2000, "e2-twin");
        CwlHarness a = harness("start = earliest, page-limit = 3").open();
        SourceBatch first = a.poll();
        assertThat(a.messages(a.delivered)).containsExactly("e0", "e1", "e2");
        assertThat(first.caughtUp()).isFalse();
        Map<String, String> committed = Map.copyOf(a.positions); // crash after page one was committed
        a.close();
        harnesses.remove(a);

        CwlHarness b = harness("start = earliest, page-limit = 3").open(committed);
        assertThat(b.messages(b.scan())).containsExactly("e2-twin", "e3", "e4", "e5", "e6", "e7", "e8");
    }

    @Test
    void aDamagedPositionFallsBackToStart() throws Exception {
        put("eni-a", T0 - 1000, "x");
        CwlHarness h = harness("start = earliest").open(Map.of(GROUP, "garbage"));
        assertThat(h.messages(h.scan())).containsExactly("x");
    }

    @Test
    void positionIsEmittedOnlyWhenItChanges() throws Exception {
        put("eni-a", T0 - 1000, "x");
        CwlHarness h = harness("start = earliest").open();
        h.scan();
        int withPositions = (int) h.batches.stream().filter(b -> !b.positions().isEmpty()).count();
        h.clock.advance(Duration.ofSeconds(1));
        h.scan();
        assertThat(h.batches.stream().filter(b -> !b.positions().isEmpty()).count()).isEqualTo(withPositions);
    }

    @Test
    void missingLogGroupIsAClearErrorNamingTheGroupAndRecovers() throws Exception {
        CwlHarness h = harness("log-group = \"/vpc/missing\", start = earliest").open();
        assertThatThrownBy(h::poll).isInstanceOf(IOException.class)
                .hasMessageContaining("log group '/vpc/missing' does not exist")
                .hasMessageContaining("eu-west-1")
                .hasMessageContaining("ResourceNotFoundException");
        assertThat(h.metric("cloudwatch_request_errors_total")).isEqualTo(1);

        fake.createGroup("/vpc/missing");
        fake.put("/vpc/missing", "eni-a", T0 - 10, "now it exists");
        assertThat(h.messages(h.scan())).containsExactly("now it exists");
    }

    @Test
    void manyEventsKeepOnlyTheOverlapWindowsIdsInMemory() throws Exception {
        IntStream.range(0, 200).forEach(i -> put("eni-a", T0 - 200_000 + i * 1000L, "m" + i));
        CwlHarness h = harness("start = earliest, overlap = 10s").open();
        assertThat(h.scan()).hasSize(200);
        h.clock.advance(Duration.ofSeconds(1));
        h.scan(); // the next scan starts at the mark minus 10s and forgets older ids
        assertThat(h.metric("cloudwatch_remembered_event_ids")).isBetween(10.0, 12.0);
    }
}
