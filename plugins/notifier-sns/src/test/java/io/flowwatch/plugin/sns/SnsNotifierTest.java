package io.flowwatch.plugin.sns;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import io.flowwatch.api.FlowwatchException;
import io.flowwatch.api.notify.Alert;
import io.flowwatch.api.notify.DeliveryResult;
import io.flowwatch.api.notify.DeliveryResult.Outcome;
import io.flowwatch.api.notify.Notifier;
import io.flowwatch.api.rule.Severity;
import io.flowwatch.testkit.TestPluginContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The real AWS SDK against {@link LocalSnsEndpoint}: what arrives on the wire, how SNS's answers
 * map to delivery outcomes, and that config problems are reported together.
 */
class SnsNotifierTest {

    private static final String ACCESS_KEY = "AKIDFLOWWATCHTEST";
    private static final String SECRET_KEY = "flowwatch-test-secret/+key";
    private static final String ARN = "arn:aws:sns:eu-west-1:123456789012:flowwatch-alerts";

    @TempDir
    Path state;
    private LocalSnsEndpoint sns;
    private final List<Notifier> notifiers = new ArrayList<>();

    /** The default credentials chain reads these first: the production code path, with test keys. */
    @BeforeAll
    static void credentials() {
        System.setProperty("aws.accessKeyId", ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", SECRET_KEY);
    }

    @AfterAll
    static void clearCredentials() {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
    }

    @BeforeEach
    void start() throws Exception {
        sns = new LocalSnsEndpoint(ACCESS_KEY, SECRET_KEY);
    }

    @AfterEach
    void stop() {
        notifiers.forEach(Notifier::close);
        sns.close();
    }

    @Test
    void publishesSignedQueryRequestWithTextAndAttributes() {
        Notifier n = notifier("topic-arn = \"" + ARN + "\"\nstatus-url = \"http://flowwatch.example:9464\"");
        DeliveryResult r = n.deliver(alert(Alert.State.FIRING, "3 hosts scanned", Map.of("srcaddr", "10.0.0.9", "dstport", "22"), 2));

        assertThat(r.outcome()).as(r.detail()).isEqualTo(Outcome.DELIVERED);
        assertThat(sns.received()).hasSize(1);
        LocalSnsEndpoint.Received req = sns.received().get(0);
        assertThat(req.signatureProblem()).isNull();
        // The region comes from the ARN and shows in the signed credential scope.
        assertThat(req.header("Authorization")).contains("/eu-west-1/sns/aws4_request");
        assertThat(req.params()).containsEntry("Action", "Publish").containsEntry("Version", "2010-03-31")
                .containsEntry("TopicArn", ARN)
                .containsEntry("Subject", "[FIRING] high port-scan: 3 hosts scanned");
        assertThat(req.attributes()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "severity", List.of("String", "high"),
                "rule", List.of("String", "port-scan"),
                "state", List.of("String", "firing")));
        String message = req.params().get("Message");
        assertThat(message)
                .contains("FIRING high alert: port-scan")
                .contains("3 hosts scanned")
                .contains("dstport = 22").contains("srcaddr = 10.0.0.9")
                .contains("Value: 42.5 (threshold 10)")
                .contains("Time:  2025-03-01T10:00:00Z .. (still firing)")
                .contains("srcaddr=10.0.0.9 dstaddr=10.0.0.1 dstport=22 sample=0")
                .contains("srcaddr=10.0.0.9 dstaddr=10.0.0.1 dstport=22 sample=1")
                .contains("Alert id: port-scan/10.0.0.9/1")
                .contains("Status:   http://flowwatch.example:9464/");
        assertThat(req.params()).doesNotContainKeys("MessageGroupId", "MessageDeduplicationId");
    }

    @Test
    void resolvedAlertShowsTheTimeRange() {
        Notifier n = notifier("topic-arn = \"" + ARN + "\"");
        assertThat(n.deliver(alert(Alert.State.RESOLVED, "over", Map.of(), 0)).outcome()).isEqualTo(Outcome.DELIVERED);
        LocalSnsEndpoint.Received req = sns.received().get(0);
        assertThat(req.params().get("Message")).contains("Time:  2025-03-01T10:00:00Z .. 2025-03-01T10:05:00Z")
                .doesNotContain("Sample records").contains("Status:   http://127.0.0.1:9464/");
        assertThat(req.attributes().get("state")).containsExactly("String", "resolved");
    }

    @Test
    void subjectIsMadeToFitSnsRules() {
        Notifier n = notifier("topic-arn = \"" + ARN + "\"");
        String summary = "Scan from café\r\nBcc: evil@example.com \u0007 \uD83D\uDE00 " + "word ".repeat(40);
        assertThat(n.deliver(alert(Alert.State.FIRING, summary, Map.of(), 0)).outcome()).isEqualTo(Outcome.DELIVERED);
        String subject = sns.received().get(0).params().get("Subject");
        assertThat(subject).hasSizeLessThan(100).startsWith("[FIRING] high port-scan: Scan from cafe Bcc: evil@example.com ? word")
                .endsWith("word...").doesNotContain("\r").doesNotContain("\n");
        assertThat(subject.chars()).allMatch(c -> c >= 0x20 && c < 0x7f);
        // The message keeps the text on its line: the control characters became spaces.
        assertThat(sns.received().get(0).params().get("Message")).contains("Scan from café  Bcc: evil@example.com   \uD83D\uDE00");
    }

    @Test
    void oversizedMessageDropsSamplesFirstThenIsCut() {
        Notifier n = notifier("topic-arn = \"" + ARN + "\"");
        List<Map<String, Object>> big = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            big.add(Map.of("payload", "s" + i + "-" + "x".repeat(50_000)));
        }
        Alert withSamples = new Alert("id-1", "exfil", Severity.CRITICAL, Alert.State.FIRING, Map.of(), 1e9, 1e6,
                Instant.parse("2025-03-01T10:00:00Z"), null, "big transfer", "", big);
        assertThat(n.deliver(withSamples).outcome()).isEqualTo(Outcome.DELIVERED);
        String message = sns.received().get(0).params().get("Message");
        assertThat(message.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(256 * 1024);
        assertThat(message).contains("payload=s0-").contains("payload=s3-").doesNotContain("payload=s4-")
                .contains("Value: 1000000000 (threshold 1000000)").contains("Status:");

        Alert hugeDescription = new Alert("id-2", "exfil", Severity.CRITICAL, Alert.State.FIRING, Map.of(), 1, 1,
                Instant.parse("2025-03-01T10:00:00Z"), null, "big", "é".repeat(200_000), List.of());
        assertThat(n.deliver(hugeDescription).outcome()).isEqualTo(Outcome.DELIVERED);
        String cut = sns.received().get(1).params().get("Message");
        assertThat(cut).endsWith("[... cut to fit SNS's 256 KB message limit]");
        assertThat(cut.getBytes(StandardCharsets.UTF_8).length).isGreaterThan(250_000).isLessThanOrEqualTo(256 * 1024);
    }

    @ParameterizedTest(name = "{0} {1} {2} -> {3}")
    @CsvSource({
            "429, Sender, Throttled, RETRY",
            "400, Sender, Throttling, RETRY",
            "400, Sender, ThrottlingException, RETRY",
            "500, Receiver, InternalError, RETRY",
            "503, Receiver, ServiceUnavailable, RETRY",
            "400, Sender, ExpiredToken, RETRY",
            "403, Sender, AuthorizationError, PERMANENT_FAILURE",
            "404, Sender, NotFound, PERMANENT_FAILURE",
            "400, Sender, InvalidParameter, PERMANENT_FAILURE",
            "403, Sender, InvalidClientTokenId, PERMANENT_FAILURE",
    })
    void snsErrorsMapToOutcomesWithOneRequestPerAttempt(int status, String type, String code, Outcome expected) {
        Notifier n = notifier("topic-arn = \"" + ARN + "\"");
        sns.failNext(new LocalSnsEndpoint.Failure(status, type, code, Map.of()));
        DeliveryResult r = n.deliver(alert(Alert.State.FIRING, "s", Map.of(), 0));
        assertThat(r.outcome()).as(r.detail()).isEqualTo(expected);
        assertThat(r.detail()).contains(code).contains(String.valueOf(status));
        // The SDK's own retries are off: the runtime's outbox retries, with its backoff and rate limit.
        assertThat(sns.received()).hasSize(1);
        // The notifier keeps working after a failure.
        assertThat(n.deliver(alert(Alert.State.FIRING, "s", Map.of(), 0)).outcome()).isEqualTo(Outcome.DELIVERED);
    }

    @Test
    void throttlingWithRetryAfterPassesTheHint() {
        Notifier n = notifier("topic-arn = \"" + ARN + "\"");
        sns.failNext(new LocalSnsEndpoint.Failure(429, "Sender", "Throttled", Map.of("Retry-After", "7")));
        DeliveryResult r = n.deliver(alert(Alert.State.FIRING, "s", Map.of(), 0));
        assertThat(r.outcome()).isEqualTo(Outcome.RETRY);
        assertThat(r.retryAfter()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void wrongSecretIsRejectedBySignatureCheckAndIsPermanent() {
        System.setProperty("aws.secretAccessKey", "not-the-secret");
        try {
            Notifier n = notifier("topic-arn = \"" + ARN + "\"");
            DeliveryResult r = n.deliver(alert(Alert.State.FIRING, "s", Map.of(), 0));
            assertThat(sns.received().get(0).signatureProblem()).isEqualTo("signature does not match");
            assertThat(r.outcome()).isEqualTo(Outcome.PERMANENT_FAILURE);
            assertThat(r.detail()).contains("SignatureDoesNotMatch");
        } finally {
            System.setProperty("aws.secretAccessKey", SECRET_KEY);
        }
    }

    @Test
    void unreachableEndpointIsRetry() {
        Notifier n = notifier("topic-arn = \"" + ARN + "\"\ntimeout = 2s");
        sns.close();
        DeliveryResult r = n.deliver(alert(Alert.State.FIRING, "s", Map.of(), 0));
        assertThat(r.outcome()).isEqualTo(Outcome.RETRY);
        assertThat(r.detail()).contains(ARN);
    }

    @Test
    void createDoesNotConnectAndRegionOverrideIsUsed() {
        Notifier n = notifier("topic-arn = \"" + ARN + "\"\nregion = us-east-2");
        assertThat(sns.received()).isEmpty();
        n.deliver(alert(Alert.State.FIRING, "s", Map.of(), 0));
        n.deliver(alert(Alert.State.FIRING, "s", Map.of(), 0));
        assertThat(sns.received()).hasSize(2)
                .allSatisfy(req -> assertThat(req.header("Authorization")).contains("/us-east-2/sns/aws4_request"));
    }

    @Test
    void fifoTopicGetsGroupAndDeduplicationIds() {
        String fifo = "arn:aws:sns:eu-west-1:123456789012:alerts.fifo";
        Notifier n = notifier("topic-arn = \"" + fifo + "\"");
        n.deliver(alert(Alert.State.FIRING, "s", Map.of(), 0));
        n.deliver(alert(Alert.State.RESOLVED, "s", Map.of(), 0));
        Map<String, String> first = sns.received().get(0).params();
        Map<String, String> second = sns.received().get(1).params();
        assertThat(first).containsEntry("TopicArn", fifo).containsEntry("MessageGroupId", "port-scan");
        assertThat(first.get("MessageDeduplicationId")).matches("[0-9a-f]{64}")
                .isNotEqualTo(second.get("MessageDeduplicationId"));
    }

    @Test
    void customTemplatesAreUsed() {
        Notifier n = notifier("topic-arn = \"" + ARN + "\"\n"
                + "subject-template = \"{{rule}} is {{state}}\"\n"
                + "message-template = \"{{#labels}}{{key}}:{{value}};{{/labels}} v={{value}}\"");
        n.deliver(alert(Alert.State.FIRING, "s", Map.of("b", "2", "a", "1\nX"), 0));
        assertThat(sns.received().get(0).params()).containsEntry("Subject", "port-scan is firing")
                .containsEntry("Message", "a:1 X;b:2; v=42.5");
    }

    @Test
    void everyConfigProblemIsReportedAtOnceWithOrigin() {
        String conf = """
                topic-arn = "arn:aws:sqs:eu-west-1:123456789012:q"
                region = "Europe"
                endpoint-override = "localhost:4566"
                timeout = 0s
                message-template = "{{#labels}}unclosed"
                subject-template = "{{nosuchvariable}}"
                """;
        assertThatThrownBy(() -> create(conf))
                .isInstanceOfSatisfying(FlowwatchException.class, e -> assertThat(e.problems())
                        .extracting(p -> p.origin() + " " + p.key())
                        .containsExactlyInAnyOrder(
                                "agent.conf:1 flowwatch.notifiers.ops.topic-arn",
                                "agent.conf:2 flowwatch.notifiers.ops.region",
                                "agent.conf:3 flowwatch.notifiers.ops.endpoint-override",
                                "agent.conf:4 flowwatch.notifiers.ops.timeout",
                                "agent.conf:5 flowwatch.notifiers.ops.message-template",
                                "agent.conf:6 flowwatch.notifiers.ops.subject-template"));
        assertThatThrownBy(() -> create("region = eu-west-1"))
                .isInstanceOfSatisfying(FlowwatchException.class, e -> assertThat(e.problems())
                        .singleElement().satisfies(p -> assertThat(p.key()).isEqualTo("flowwatch.notifiers.ops.topic-arn")));
    }

    @Test
    void acceptsOtherPartitionsAndRejectsMalformedArns() {
        assertThat(SnsNotifierConfig.TOPIC_ARN.matcher("arn:aws-us-gov:sns:us-gov-west-1:123456789012:a_b-c").matches()).isTrue();
        assertThat(SnsNotifierConfig.TOPIC_ARN.matcher("arn:aws:sns:eu-west-1:12345:a").matches()).isFalse();
        assertThat(SnsNotifierConfig.TOPIC_ARN.matcher("arn:aws:sns:eu-west-1:123456789012:a b").matches()).isFalse();
        assertThat(SnsNotifierConfig.TOPIC_ARN.matcher("arn:aws:sns:eu-west-1:123456789012:").matches()).isFalse();
    }

    private Notifier notifier(String conf) {
        Notifier n = create(conf + "\nendpoint-override = \"" + sns.uri() + "\"");
        notifiers.add(n);
        return n;
    }

    private Notifier create(String conf) {
        Config user = ConfigFactory.parseString(conf, ConfigParseOptions.defaults().setOriginDescription("agent.conf"));
        Config defaults = ConfigFactory.parseResources(SnsNotifierFactory.class.getClassLoader(), "reference.conf")
                .getConfig("flowwatch.defaults.notifiers.sns");
        return new SnsNotifierFactory().create(user.withFallback(defaults),
                new TestPluginContext("ops", Clock.fixed(Instant.parse("2025-03-01T11:00:00Z"), ZoneOffset.UTC), state));
    }

    private static Alert alert(Alert.State state, String summary, Map<String, String> labels, int samples) {
        List<Map<String, Object>> records = new ArrayList<>();
        for (int i = 0; i < samples; i++) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("srcaddr", "10.0.0.9");
            r.put("dstaddr", "10.0.0.1");
            r.put("dstport", 22);
            r.put("sample", i);
            records.add(r);
        }
        return new Alert("port-scan/10.0.0.9/1", "port-scan", Severity.HIGH, state, labels, 42.5, 10,
                Instant.parse("2025-03-01T10:00:00Z"),
                state == Alert.State.RESOLVED ? Instant.parse("2025-03-01T10:05:00Z") : null,
                summary, "many ports", records);
    }
}
