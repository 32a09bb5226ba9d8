package io.flowwatch.plugin.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowwatch.api.notify.DeliveryResult;
import io.flowwatch.testkit.MutableClock;
import io.flowwatch.testkit.TestPluginContext;
import io.flowwatch.testkit.RecordingServer;
import io.flowwatch.testkit.TestAlerts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class WebhookNotifierDeliveryTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2024-06-01T12:06:40Z");

    private final RecordingServer server = newServer();
    private final TestPluginContext ctx = new TestPluginContext("hooks", new MutableClock(NOW), Path.of("unused"));
    private WebhookNotifier notifier;

    private static RecordingServer newServer() {
        try {
            return new RecordingServer();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterEach
    void stop() {
        if (notifier != null) {
            notifier.close();
        }
        server.close();
    }

    private WebhookNotifier notifier(String extra) {
        notifier = (WebhookNotifier) new WebhookNotifierFactory().create(
                TestAlerts.block(WebhookNotifierFactory.class, "webhook", "url = \"" + server.url("/hooks/flowwatch?team=net") + "\"\n" + extra), ctx);
        return notifier;
    }

    @Test
    void firingAlertIsPostedAsExactlyTheAlertContract() throws Exception {
        DeliveryResult result = notifier("").deliver(TestAlerts.firing());

        assertThat(result.outcome()).isEqualTo(DeliveryResult.Outcome.DELIVERED);
        RecordingServer.Request r = server.only();
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.path()).isEqualTo("/hooks/flowwatch");
        assertThat(r.query()).isEqualTo("team=net");
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
        assertThat(r.header("User-Agent")).isEqualTo("flowwatch-notifier-webhook");
        assertThat(r.header("X-Flowwatch-Signature")).isNull();
        assertThat(r.header("X-Flowwatch-Timestamp")).isNull();

        JsonNode json = MAPPER.readTree(r.body());
        List<String> keys = new ArrayList<>();
        json.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).containsExactly("id", "rule", "severity", "state", "labels", "value", "threshold",
                "startsAt", "endsAt", "summary", "description", "samples");
        assertThat(json.get("id").asText()).isEqualTo("ssh-brute/5e1f");
        assertThat(json.get("rule").asText()).isEqualTo("ssh-brute");
        assertThat(json.get("severity").asText()).isEqualTo("high");
        assertThat(json.get("state").asText()).isEqualTo("firing");
        assertThat(json.get("labels")).isEqualTo(MAPPER.readTree("{\"dstport\":\"22\",\"srcaddr\":\"203.0.113.9\"}"));
        assertThat(json.get("value").isIntegralNumber()).isTrue();
        assertThat(json.get("value").asLong()).isEqualTo(57);
        assertThat(json.get("threshold").asLong()).isEqualTo(20);
        assertThat(json.get("startsAt").asText()).isEqualTo("2024-06-01T12:00:00Z");
        assertThat(json.get("endsAt").isNull()).isTrue();
        assertThat(json.get("summary").asText()).isEqualTo("57 rejected SSH attempts from 203.0.113.9");
        assertThat(json.get("description").asText()).isEqualTo("Someone is guessing passwords");
        assertThat(json.get("samples")).isEqualTo(MAPPER.readTree(
                "[{\"srcaddr\":\"203.0.113.9\",\"dstport\":22,\"bytes\":1234.5,\"action\":\"REJECT\",\"log-status\":null}]"));
    }

    @Test
    void resolvedAlertSaysResolvedAndWhen() throws Exception {
        notifier("").deliver(TestAlerts.resolved());

        JsonNode json = MAPPER.readTree(server.only().body());
        assertThat(json.get("state").asText()).isEqualTo("resolved");
        assertThat(json.get("endsAt").asText()).isEqualTo("2024-06-01T12:05:30Z");
        assertThat(json.get("value").asLong()).isEqualTo(3);
        assertThat(json.get("samples").size()).isZero();
    }

    @Test
    void hostileRecordTextArrivesAsTheSameStringsInValidJson() throws Exception {
        notifier("").deliver(TestAlerts.hostile());

        RecordingServer.Request r = server.only();
        // A JSON writer escapes line breaks and quotes: the body is one line and parses.
        assertThat(r.bodyText()).doesNotContain("\n", "\r");
        JsonNode json = MAPPER.readTree(r.body());
        assertThat(json.get("summary").asText()).isEqualTo(TestAlerts.HOSTILE);
        assertThat(json.get("description").asText()).isEqualTo(TestAlerts.HOSTILE);
        assertThat(json.get("labels").get("who").asText()).isEqualTo(TestAlerts.HOSTILE);
        assertThat(json.get("labels").get("host<b>").asText()).isEqualTo("a&b");
        assertThat(json.get("samples").get(0).get("srcaddr").asText()).isEqualTo(TestAlerts.HOSTILE);
        assertThat(json.get("value").asDouble()).isEqualTo(0.25);
        assertThat(json.get("threshold").asLong()).isEqualTo(1_000_000_000L);
    }

    @Test
    void signatureIsHmacSha256OverTimestampDotExactBody() throws Exception {
        String secret = "s3cr3t-key-for-tests-0123456789";
        notifier("hmac-secret = \"" + secret + "\"").deliver(TestAlerts.firing());

        RecordingServer.Request r = server.only();
        String timestamp = r.header("X-Flowwatch-Timestamp");
        assertThat(timestamp).isEqualTo(Long.toString(NOW.getEpochSecond()));
        String expected = "sha256=" + hmacHex(secret, (timestamp + ".").getBytes(StandardCharsets.US_ASCII), r.body());
        assertThat(r.header("X-Flowwatch-Signature")).isEqualTo(expected);
        // Signed with the timestamp: the body alone, or another key, does not verify.
        assertThat(r.header("X-Flowwatch-Signature"))
                .isNotEqualTo("sha256=" + hmacHex(secret, new byte[0], r.body()))
                .isNotEqualTo("sha256=" + hmacHex(secret + "x", (timestamp + ".").getBytes(StandardCharsets.US_ASCII), r.body()));
    }

    @Test
    void configuredHeadersAreSentAndMayReplaceTheUserAgent() {
        notifier("headers { Authorization = \"Bearer tok-123\", X-Team = net, User-Agent = \"custom/1\" }")
                .deliver(TestAlerts.firing());

        RecordingServer.Request r = server.only();
        assertThat(r.header("Authorization")).isEqualTo("Bearer tok-123");
        assertThat(r.header("X-Team")).isEqualTo("net");
        assertThat(r.headers().get("User-Agent")).containsExactly("custom/1");
    }

    @Test
    void oneClientServesManyAlerts() {
        WebhookNotifier n = notifier("");
        for (int i = 0; i < 5; i++) {
            assertThat(n.deliver(TestAlerts.firing()).outcome()).isEqualTo(DeliveryResult.Outcome.DELIVERED);
        }
        assertThat(server.requests()).hasSize(5);
    }

    /** Independent of the notifier's code: the receiver's side of the check. */
    private static String hmacHex(String key, byte[] prefix, byte[] body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        mac.update(prefix);
        byte[] digest = mac.doFinal(body);
        StringBuilder sb = new StringBuilder();
        for (byte b : digest) {
            sb.append(String.format("%02x", b & 0xff));
        }
        return sb.toString();
    }
}
