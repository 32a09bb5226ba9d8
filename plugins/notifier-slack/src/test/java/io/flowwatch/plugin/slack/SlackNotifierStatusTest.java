package io.flowwatch.plugin.slack;

import io.flowwatch.api.notify.DeliveryResult;
import io.flowwatch.api.notify.DeliveryResult.Outcome;
import io.flowwatch.testkit.MutableClock;
import io.flowwatch.testkit.TestPluginContext;
import io.flowwatch.testkit.RecordingServer;
import io.flowwatch.testkit.TestAlerts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SlackNotifierStatusTest {

    private static final Instant NOW = Instant.parse("2024-06-01T12:06:40Z");

    private final RecordingServer server;
    private final TestPluginContext ctx = new TestPluginContext("netsec", new MutableClock(NOW), Path.of("unused"));
    private SlackNotifier notifier;

    SlackNotifierStatusTest() throws Exception {
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
        notifier = (SlackNotifier) new SlackNotifierFactory().create(
                TestAlerts.block(SlackNotifierFactory.class, "slack", "webhook-url = \"" + url + "\"\n" + extra), ctx);
        return notifier.deliver(TestAlerts.firing());
    }

    private DeliveryResult deliver() {
        return deliverTo(server.url("/services/T0/B0/xyz"), "");
    }

    @Test
    void okIsDelivered() {
        server.answer(200, "ok");

        assertThat(deliver()).isEqualTo(DeliveryResult.delivered());
    }

    @Test
    void serverErrorIsRetried() {
        server.answer(500, "rollup_error");

        DeliveryResult r = deliver();

        assertThat(r.outcome()).isEqualTo(Outcome.RETRY);
        assertThat(r.retryAfter()).isNull();
        assertThat(r.detail()).isEqualTo("HTTP 500: rollup_error");
    }

    @Test
    void rateLimitedIsRetriedAfterRetryAfterSeconds() {
        server.answer(new RecordingServer.Answer(429, Map.of("Retry-After", "7"), "rate_limited", false));

        DeliveryResult r = deliver();

        assertThat(r.outcome()).isEqualTo(Outcome.RETRY);
        assertThat(r.retryAfter()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void retryAfterAsAnHttpDate() {
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(NOW.plusSeconds(42).atOffset(ZoneOffset.UTC));
        server.answer(new RecordingServer.Answer(503, Map.of("Retry-After", date), "", false));

        assertThat(deliver().retryAfter()).isEqualTo(Duration.ofSeconds(42));
    }

    @ParameterizedTest
    @CsvSource({"404,channel_not_found", "403,invalid_token", "400,invalid_payload", "410,channel_is_archived",
            "404,no_service"})
    void slackErrorsArePermanentWithSlacksReason(int status, String reason) {
        server.answer(status, reason);

        DeliveryResult r = deliver();

        assertThat(r.outcome()).isEqualTo(Outcome.PERMANENT_FAILURE);
        assertThat(r.detail()).isEqualTo("HTTP " + status + ": " + reason);
    }

    @Test
    void refusedConnectionIsRetried() throws Exception {
        DeliveryResult r = deliverTo("http://127.0.0.1:" + RecordingServer.refusedPort() + "/services/x", "");

        assertThat(r.outcome()).isEqualTo(Outcome.RETRY);
        assertThat(r.detail()).startsWith("connection failed");
    }

    @Test
    void noAnswerWithinTheTimeoutIsRetried() {
        server.answer(new RecordingServer.Answer(200, Map.of(), "ok", true));

        DeliveryResult r = deliverTo(server.url("/services/x"), "timeout = 300ms");

        assertThat(r.outcome()).isEqualTo(Outcome.RETRY);
        assertThat(r.detail()).contains("timeout");
    }
}
