package io.flowwatch.plugin.cloudwatch;

import io.flowwatch.api.source.SourceBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static io.flowwatch.plugin.cloudwatch.CwlHarness.GROUP;
import static io.flowwatch.plugin.cloudwatch.CwlHarness.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Throttling, 5xx, backoff and the client-side request rate, measured at the fake endpoint. */
class CloudWatchLogsPacingTest {

    @TempDir
    Path state;
    FakeCloudWatchLogs fake;
    CwlHarness h;

    @BeforeEach
    void start() throws IOException {
        fake = new FakeCloudWatchLogs();
        fake.createGroup(GROUP);
    }

    @AfterEach
    void stop() throws IOException {
        if (h != null) {
            h.close();
        }
        assertThat(fake.protocolViolations()).isEmpty();
        fake.close();
    }

    @Test
    void theSdkDoesNotRetryOnItsOwn() throws Exception {
        fake.queue(FakeCloudWatchLogs.Fault.THROTTLE, 1);
        h = new CwlHarness(fake, "start = earliest", state).open();
        SourceBatch b = h.poll();
        assertThat(fake.requests()).as("one HTTP request for one poll: the SDK's retries are off").hasSize(1);
        assertThat(fake.requests().get(0).status()).isEqualTo(400);
        assertThat(b.caughtUp()).isFalse();
        assertThat(h.metric("cloudwatch_throttled_total")).isEqualTo(1);
    }

    @Test
    void throttlingAnd5xxBackOffWithJitterAreCountedAndLoseNothing() throws Exception {
        fake.put(GROUP, "eni-a", T0 - 1000, "survivor");
        fake.queue(FakeCloudWatchLogs.Fault.THROTTLE, 3);
        fake.queue(FakeCloudWatchLogs.Fault.SERVER_ERROR, 1);
        h = new CwlHarness(fake, "start = earliest, requests-per-second = 50, backoff-min = 200ms, backoff-max = 400ms", state).open();

        assertThat(h.messages(h.scan())).containsExactly("survivor");

        List<FakeCloudWatchLogs.Request> reqs = fake.requests();
        assertThat(reqs).extracting(FakeCloudWatchLogs.Request::status).containsExactly(400, 400, 400, 500, 200);
        for (int i = 1; i < reqs.size(); i++) {
            long gapMs = (reqs.get(i).nanoTime() - reqs.get(i - 1).nanoTime()) / 1_000_000;
            // At least half of backoff-min (full jitter above that), far above the 20ms rate interval.
            assertThat(gapMs).as("gap before retry " + i).isGreaterThanOrEqualTo(95);
        }
        assertThat(h.metric("cloudwatch_throttled_total")).isEqualTo(3);
        assertThat(h.metric("aws_api_throttled_total{operation=\"FilterLogEvents\"}")).isEqualTo(3);
        assertThat(h.metric("aws_api_errors_total{operation=\"FilterLogEvents\"}")).isEqualTo(4);
        assertThat(h.metric("cloudwatch_server_errors_total")).isEqualTo(1);
        assertThat(h.metric("cloudwatch_events_total")).isEqualTo(1);
        // The page asked again is the same page: same window.
        assertThat(reqs).extracting(r -> r.number("endTime").orElseThrow()).containsOnly(T0);
    }

    @Test
    void aLongFailureStreakIsReportedToTheRuntimeThenRecovers() throws Exception {
        fake.put(GROUP, "eni-a", T0 - 1000, "eventually");
        fake.queue(FakeCloudWatchLogs.Fault.THROTTLE, CloudWatchLogsSource.FAILURES_BEFORE_UNHEALTHY);
        h = new CwlHarness(fake, "start = earliest", state).open();
        IOException reported = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (reported == null && System.nanoTime() < deadline) {
            try {
                h.poll();
            } catch (IOException e) {
                reported = e;
            }
        }
        assertThat(reported).isNotNull();
        assertThat(reported.getMessage()).contains("log group '" + GROUP + "'", "ThrottlingException", "Rate exceeded",
                CloudWatchLogsSource.FAILURES_BEFORE_UNHEALTHY + " in a row");
        assertThat(fake.requests()).hasSize(CloudWatchLogsSource.FAILURES_BEFORE_UNHEALTHY);
        assertThat(h.messages(h.scan())).containsExactly("eventually");
    }

    @Test
    void requestRateStaysUnderRequestsPerSecond() throws Exception {
        int pages = 12;
        for (int i = 0; i < pages; i++) {
            fake.put(GROUP, "eni-" + i, T0 - 100_000 + i, "e" + i);
        }
        h = new CwlHarness(fake, "start = earliest, page-limit = 1, requests-per-second = 5", state).open();

        assertThat(h.scan()).hasSize(pages);

        List<Long> at = fake.requests().stream().map(FakeCloudWatchLogs.Request::nanoTime).toList();
        assertThat(at).hasSize(pages);
        // From the second request on: the first one's receipt is late by connection set-up and class loading.
        for (int i = 1; i + 5 < at.size(); i++) {
            // Six requests never fit in one second (receive times may shift by a few ms of transport).
            assertThat((at.get(i + 5) - at.get(i)) / 1_000_000).as("ms spanned by requests " + i + ".." + (i + 5))
                    .isGreaterThanOrEqualTo(950);
        }
        long spanMs = (at.get(at.size() - 1) - at.get(0)) / 1_000_000;
        assertThat(spanMs).as("paced, not stalled").isBetween(2000L, 4000L);
    }

    @Test
    void thePollIntervalSeparatesScans() throws Exception {
        h = new CwlHarness(fake, "start = earliest, poll-interval = 300ms, requests-per-second = 50", state).open();
        h.scan();
        long afterFirst = System.nanoTime();
        SourceBatch idle = h.poll(); // waits up to 200ms: less than the interval, so no request
        assertThat(idle.caughtUp()).isTrue();
        assertThat(fake.requests()).hasSize(1);
        h.clock.advance(Duration.ofSeconds(1));
        h.scan();
        assertThat(fake.requests()).hasSize(2);
        assertThat((fake.requests().get(1).nanoTime() - afterFirst) / 1_000_000).isGreaterThanOrEqualTo(250);
    }

    @Test
    void wakeupEndsAWaitingPollEarly() throws Exception {
        h = new CwlHarness(fake, "start = earliest, poll-interval = 1h", state).open();
        h.scan();
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            h.source.wakeup();
        });
        t.start();
        long t0 = System.nanoTime();
        SourceBatch b = h.source.poll(Duration.ofSeconds(30));
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5000);
        assertThat(b.chunks()).isEmpty();
        t.join();
    }

    @Test
    void accessDeniedIsThrownAtOnceNamingTheGroupWithoutRetrying() throws Exception {
        fake.queue(FakeCloudWatchLogs.Fault.ACCESS_DENIED, 1);
        h = new CwlHarness(fake, "start = earliest", state).open();
        assertThatThrownBy(h::poll).isInstanceOf(IOException.class)
                .hasMessageContaining("log group '" + GROUP + "'")
                .hasMessageContaining("AccessDeniedException")
                .hasMessageContaining("logs:FilterLogEvents");
        assertThat(fake.requests()).hasSize(1);
        assertThat(h.metric("cloudwatch_request_errors_total")).isEqualTo(1);
        assertThat(h.metric("cloudwatch_throttled_total")).isZero();
    }
}
