package io.flowwatch.plugin.webhook;

import io.flowwatch.api.FlowwatchException;
import io.flowwatch.api.FlowwatchException.Problem;
import io.flowwatch.testkit.MutableClock;
import io.flowwatch.testkit.TestPluginContext;
import io.flowwatch.testkit.TestAlerts;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

class WebhookNotifierConfigTest {

    private static final String P = "flowwatch.notifiers.hooks.";
    private final TestPluginContext ctx = new TestPluginContext("hooks", new MutableClock(Instant.EPOCH), Path.of("unused"));

    private WebhookNotifierConfig create(String hocon) {
        try (WebhookNotifier n = (WebhookNotifier) new WebhookNotifierFactory().create(TestAlerts.block(WebhookNotifierFactory.class, "webhook", hocon), ctx)) {
            return n.config();
        }
    }

    private FlowwatchException problems(String hocon) {
        return catchThrowableOfType(FlowwatchException.class, () -> create(hocon));
    }

    @Test
    void defaultsComeFromReferenceConf() {
        assertThat(create("url = \"https://hooks.example.org/x\"")).isEqualTo(new WebhookNotifierConfig(
                URI.create("https://hooks.example.org/x"), null, Map.of(), Duration.ofSeconds(10)));
    }

    @Test
    void everyKeyIsRead() {
        WebhookNotifierConfig c = create("""
                url = "http://10.0.0.5:8080/alerts?x=1"
                hmac-secret = "k3y-k3y-k3y"
                headers { "X.Dotted" = 5, Authorization = "Bearer t" }
                timeout = 2500ms
                """);

        assertThat(c.url()).isEqualTo(URI.create("http://10.0.0.5:8080/alerts?x=1"));
        assertThat(c.hmacSecret()).isEqualTo("k3y-k3y-k3y");
        assertThat(c.headers()).containsExactly(Map.entry("Authorization", "Bearer t"), Map.entry("X.Dotted", "5"));
        assertThat(c.timeout()).isEqualTo(Duration.ofMillis(2500));
    }

    @Test
    void missingUrlAndOtherProblemsAreListedTogetherWithFileAndLine() {
        FlowwatchException e = problems("""
                type = webhook
                timeout = soon
                hmac-secret = ""
                headers { Host = evil, "bad name" = x, X-Multi = "a\\r\\nInjected: 1", Nested { a = 1 } }
                """);

        assertThat(e.problems()).extracting(Problem::origin, Problem::key).containsExactlyInAnyOrder(
                tuple("agent.conf:1", P + "url"),
                tuple("agent.conf:2", P + "timeout"),
                tuple("agent.conf:3", P + "hmac-secret"),
                tuple("agent.conf:4", P + "headers.Host"),
                tuple("agent.conf:4", P + "headers.\"bad name\""),
                tuple("agent.conf:4", P + "headers.X-Multi"),
                tuple("agent.conf:4", P + "headers.Nested"));
        assertThat(e.getMessage()).contains("agent.conf:1: " + P + "url: expected the http or https URL");
    }

    @Test
    void badUrlAndNonHttpSchemeAreReportedWithoutEchoingTheSecretUrl() {
        FlowwatchException bad = problems("url = \"http://exa mple.org/tok-SECRET\"\ntimeout = 0s");
        assertThat(bad.problems()).extracting(Problem::origin, Problem::key).containsExactlyInAnyOrder(
                tuple("agent.conf:1", P + "url"), tuple("agent.conf:2", P + "timeout"));
        assertThat(bad.getMessage()).contains("not a valid URL").doesNotContain("tok-SECRET");

        FlowwatchException ftp = problems("\nurl = \"ftp://files.example.org/tok-SECRET\"");
        assertThat(ftp.problems()).extracting(Problem::toString).containsExactly(
                "agent.conf:2: " + P + "url: expected an http or https URL, got scheme 'ftp'");

        FlowwatchException relative = problems("url = \"/just/a/path\"");
        assertThat(relative.getMessage()).contains("got scheme '(none)'");

        FlowwatchException noHost = problems("url = \"http:///x\"");
        assertThat(noHost.getMessage()).contains(P + "url: expected an http or https URL with a host name");
    }

    @Test
    void secretsAreNamedForTheRuntimeAndNeverPrinted() {
        assertThat(new WebhookNotifierFactory().secretKeys())
                .contains("url", "hmac-secret", "headers.Authorization", "headers.authorization", "headers.X-Api-Key");
        WebhookNotifierConfig c = create("url = \"https://h.example.org/tok-SECRET\"\nhmac-secret = k-SECRET\n"
                + "headers { Authorization = h-SECRET }");
        assertThat(c.toString()).doesNotContain("SECRET").contains("Authorization");
    }

    @Test
    void typeIsWebhook() {
        assertThat(new WebhookNotifierFactory().type()).isEqualTo("webhook");
    }
}
