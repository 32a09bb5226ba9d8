package io.flowwatch.plugin.slack;

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

class SlackNotifierConfigTest {

    private static final String P = "flowwatch.notifiers.netsec.";
    private static final Map<String, String> DEFAULT_COLORS = Map.of("info", "#439FE0", "low", "#ECB22E",
            "medium", "#F2952F", "high", "#E01E5A", "critical", "#8B0000", "resolved", "#2EB67D");
    private final TestPluginContext ctx = new TestPluginContext("netsec", new MutableClock(Instant.EPOCH), Path.of("unused"));

    private SlackNotifierConfig create(String hocon) {
        try (SlackNotifier n = (SlackNotifier) new SlackNotifierFactory().create(TestAlerts.block(SlackNotifierFactory.class, "slack", hocon), ctx)) {
            return n.config();
        }
    }

    private FlowwatchException problems(String hocon) {
        return catchThrowableOfType(FlowwatchException.class, () -> create(hocon));
    }

    @Test
    void defaultsComeFromReferenceConf() {
        assertThat(create("webhook-url = \"https://hooks.slack.com/services/T/B/x\"")).isEqualTo(new SlackNotifierConfig(
                URI.create("https://hooks.slack.com/services/T/B/x"), URI.create("http://127.0.0.1:9464/"),
                SlackTemplate.DEFAULT, null, null, null, DEFAULT_COLORS, Duration.ofSeconds(10)));
    }

    @Test
    void everyKeyIsRead() {
        SlackNotifierConfig c = create("""
                webhook-url = "http://127.0.0.1:1/x"
                status-url = "https://flowwatch.example.org/"
                template = "*{{rule}}*"
                username = fw
                icon-emoji = ":shield:"
                channel = "#netsec"
                colors { critical = "#000000" }
                timeout = 3s
                """);

        assertThat(c.statusUrl()).isEqualTo(URI.create("https://flowwatch.example.org/"));
        assertThat(c.template()).isEqualTo("*{{rule}}*");
        assertThat(c.username()).isEqualTo("fw");
        assertThat(c.iconEmoji()).isEqualTo(":shield:");
        assertThat(c.channel()).isEqualTo("#netsec");
        assertThat(c.colors()).containsEntry("critical", "#000000").containsEntry("high", "#E01E5A");
        assertThat(c.timeout()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void missingUrlAndOtherProblemsAreListedTogetherWithFileAndLine() {
        FlowwatchException e = problems("""
                type = slack
                status-url = "file:///etc/passwd"
                icon-emoji = shield
                colors.high = red
                timeout = 0s
                template = "{{#firing}} unclosed"
                """);

        assertThat(e.problems()).extracting(Problem::origin, Problem::key).containsExactlyInAnyOrder(
                tuple("agent.conf:1", P + "webhook-url"),
                tuple("agent.conf:2", P + "status-url"),
                tuple("agent.conf:3", P + "icon-emoji"),
                tuple("agent.conf:4", P + "colors.high"),
                tuple("agent.conf:5", P + "timeout"),
                tuple("agent.conf:6", P + "template"));
        assertThat(e.getMessage()).contains("agent.conf:1: " + P + "webhook-url: expected the Slack incoming-webhook URL");
    }

    @Test
    void badUrlAndNonHttpSchemeAreReportedWithoutEchoingTheSecretUrl() {
        FlowwatchException bad = problems("webhook-url = \"https://hooks.slack.com/services/T B/SECRET\"");
        assertThat(bad.problems()).extracting(Problem::origin, Problem::key)
                .containsExactly(tuple("agent.conf:1", P + "webhook-url"));
        assertThat(bad.getMessage()).contains("not a valid URL").doesNotContain("SECRET");

        FlowwatchException ftp = problems("\n\nwebhook-url = \"ftp://hooks.slack.com/SECRET\"");
        assertThat(ftp.problems()).extracting(Problem::toString).containsExactly(
                "agent.conf:3: " + P + "webhook-url: expected an http or https URL, got scheme 'ftp'");
    }

    @Test
    void unknownTemplateVariableIsAConfigProblem() {
        FlowwatchException e = problems("webhook-url = \"https://h.example.org/x\"\ntemplate = \"{{rule}} {{nosuch}}\"");

        assertThat(e.problems()).extracting(Problem::origin, Problem::key)
                .containsExactly(tuple("agent.conf:2", P + "template"));
        assertThat(e.getMessage()).contains("nosuch");
    }

    @Test
    void webhookUrlIsSecretAndNeverPrinted() {
        assertThat(new SlackNotifierFactory().secretKeys()).containsExactly("webhook-url");
        assertThat(create("webhook-url = \"https://hooks.slack.com/services/SECRET\"").toString()).doesNotContain("SECRET");
        assertThat(new SlackNotifierFactory().type()).isEqualTo("slack");
    }
}
