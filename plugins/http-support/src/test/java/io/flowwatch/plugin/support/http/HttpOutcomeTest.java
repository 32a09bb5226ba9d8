package io.flowwatch.plugin.support.http;

import io.flowwatch.api.notify.DeliveryResult.Outcome;
import io.flowwatch.testkit.MutableClock;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class HttpOutcomeTest {

    private static final Instant NOW = Instant.parse("2024-06-01T12:06:40Z");

    @Test
    void retryAfterParsing() {
        MutableClock clock = new MutableClock(NOW);
        assertThat(HttpOutcome.retryAfter("0", clock)).isEqualTo(Duration.ZERO);
        assertThat(HttpOutcome.retryAfter(" 120 ", clock)).isEqualTo(Duration.ofMinutes(2));
        assertThat(HttpOutcome.retryAfter("999999999999999999999", clock)).isEqualTo(HttpOutcome.MAX_RETRY_AFTER);
        assertThat(HttpOutcome.retryAfter("Sat, 01 Jun 2024 12:00:00 GMT", clock)).isEqualTo(Duration.ZERO);
        assertThat(HttpOutcome.retryAfter("Sat, 01 Jun 2024 12:10:00 GMT", clock)).isEqualTo(Duration.ofSeconds(200));
        assertThat(HttpOutcome.retryAfter("soon", clock)).isNull();
        assertThat(HttpOutcome.retryAfter("-5", clock)).isNull();
        assertThat(HttpOutcome.retryAfter(null, clock)).isNull();
    }

    @Test
    void statusesMapToDeliveredRetryOrPermanent() {
        MutableClock clock = new MutableClock(NOW);
        assertThat(HttpOutcome.classify(204, "", null, clock).outcome()).isEqualTo(Outcome.DELIVERED);
        for (int status : new int[]{408, 429, 500, 502, 503}) {
            assertThat(HttpOutcome.classify(status, "busy", null, clock).outcome()).as("HTTP %d", status).isEqualTo(Outcome.RETRY);
        }
        for (int status : new int[]{400, 401, 403, 404, 410}) {
            assertThat(HttpOutcome.classify(status, "channel_not_found", null, clock).outcome()).as("HTTP %d", status)
                    .isEqualTo(Outcome.PERMANENT_FAILURE);
        }
        assertThat(HttpOutcome.classify(404, "channel_not_found", null, clock).detail()).contains("404", "channel_not_found");
    }

    @Test
    void anErrorBodyIsCutToAnExcerpt() {
        String page = "<html>" + "x".repeat(10_000) + "</html>";
        String excerpt = HttpOutcome.excerpt(new ByteArrayInputStream(page.getBytes(StandardCharsets.UTF_8)));
        assertThat(excerpt.length()).isLessThanOrEqualTo(HttpOutcome.EXCERPT_BYTES + 3);
        assertThat(excerpt).startsWith("<html>x");
    }
}
