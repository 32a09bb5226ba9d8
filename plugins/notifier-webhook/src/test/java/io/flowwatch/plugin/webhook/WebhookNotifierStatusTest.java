package io.flowwatch.plugin.webhook;

import io.flowwatch.api.notify.DeliveryResult;
import io.flowwatch.api.notify.DeliveryResult.Outcome;
import io.flowwatch.testkit.MutableClock;
import io.flowwatch.testkit.TestPluginContext;
import io.flowwatch.plugin.support.http.HttpOutcome;
import io.flowwatch.testkit.RecordingServer;
import io.flowwatch.testkit.TestAlerts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class WebhookNotifierStatusTest {

    private static final Instant NOW = Instant.parse("2024-06-01T12:06:40Z");

    private final RecordingServer server;
    private final TestPluginContext ctx = new TestPluginContext("hooks", new MutableClock(NOW), Path.of("unused"));
    private WebhookNotifier notifier;

    WebhookNotifierStatusTest() throws Exception {
        server = new RecordingServer();
    }

    @AfterEach
    void stop() {
        if (notifier != null) {
            notifier.close();
        }
        server.close();
    }

    private DeliveryResult deliverTo(String url, String extra) {
        notifier = (WebhookNotifier) new WebhookNotifierFactory().create(
                TestAlerts.block(WebhookNotifierFactory.class, "webhook", "url = \"" + url + "\"\n" + extra), ctx);
        return notifier.deliver(TestAlerts.firing());
    }

    private DeliveryResult deliver() {
        return deliverTo(server.url("/hook"), "");
    }

    @ParameterizedTest
    @ValueSource(ints = {200, 201, 202, 204})
    void twoHundredsAreDelivered(int status) {
        server.answer(status, status == 204 ? "" : "accepted");

        assertThat(deliver().outcome()).isEqualTo(Outcome.DELIVERED);
    }

    @Test
    void serverErrorIsRetriedWithTheDispatchersBackoff() {
        server.answer(500, "database on fire");

        DeliveryResult r = deliver();

        assertThat(r.outcome()).isEqualTo(Outcome.RETRY);
        assertThat(r.retryAfter()).isNull();
        assertThat(r.detail()).isEqualTo("HTTP 500: database on fire");
    }

    @Test
    void tooManyRequestsIsRetriedAfterTheSecondsTheReceiverAsks() {
        server.answer(new RecordingServer.Answer(429, Map.of("Retry-After", "7"), "slow down", false));

        DeliveryResult r = deliver();

        assertThat(r.outcome()).isEqualTo(Outcome.RETRY);
        assertThat(r.retryAfter()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void retryAfterAsAnHttpDateCountsFromTheInjectedClock() {
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(NOW.plusSeconds(90).atOffset(ZoneOffset.UTC));
        server.answer(new RecordingServer.Answer(503, Map.of("Retry-After", date), "", false));

        DeliveryResult r = deliver();

        assertThat(r.outcome()).isEqualTo(Outcome.RETRY);
        assertThat(r.retryAfter()).isEqualTo(Duration.ofSeconds(90));
        assertThat(r.detail()).isEqualTo("HTTP 503");
    }

    @Test
    void requestTimeoutStatusIsRetried() {
        server.answer(408, "");

        assertThat(deliver().outcome()).isEqualTo(Outcome.RETRY);
    }

    @Test
    void notFoundIsPermanentWithStatusAndAShortExcerptOfTheAnswer() {
        server.answer(404, "no such hook\n" + "x".repeat(5000));

        DeliveryResult r = deliver();

        assertThat(r.outcome()).isEqualTo(Outcome.PERMANENT_FAILURE);
        assertThat(r.detail()).startsWith("HTTP 404: no such hook xxx");
        assertThat(r.detail().length()).isLessThanOrEqualTo("HTTP 404: ".length() + HttpOutcome.EXCERPT_BYTES);
        assertThat(r.retryAfter()).isNull();
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 401, 403, 410, 422})
    void otherClientErrorsArePermanent(int status) {
        server.answer(status, "nope");

        assertThat(deliver().outcome()).isEqualTo(Outcome.PERMANENT_FAILURE);
    }

    @Test
    void redirectsAreNotFollowed() {
        server.answer(new RecordingServer.Answer(301, Map.of("Location", server.url("/elsewhere")), "", false));

        DeliveryResult r = deliver();

        assertThat(r.outcome()).isEqualTo(Outcome.PERMANENT_FAILURE);
        assertThat(r.detail()).startsWith("HTTP 301");
        assertThat(server.requests()).hasSize(1);
    }

    @Test
    void refusedConnectionIsRetried() throws Exception {
        DeliveryResult r = deliverTo("http://127.0.0.1:" + RecordingServer.refusedPort() + "/hook", "");

        assertThat(r.outcome()).isEqualTo(Outcome.RETRY);
        assertThat(r.detail()).startsWith("connection failed");
    }

    @Test
    void noAnswerWithinTheTimeoutIsRetriedWithoutWaitingLonger() {
        server.answer(new RecordingServer.Answer(200, Map.of(), "late", true));

        long start = System.nanoTime();
        DeliveryResult r = deliverTo(server.url("/hook"), "timeout = 300ms");
        long tookMs = (System.nanoTime() - start) / 1_000_000;

        assertThat(r.outcome()).isEqualTo(Outcome.RETRY);
        assertThat(r.detail()).contains("timeout");
        assertThat(tookMs).isLessThan(5_000);
    }
}
