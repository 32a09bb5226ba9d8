package io.flowwatch.plugin.slack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowwatch.api.notify.Alert;
import io.flowwatch.api.notify.DeliveryResult;
import io.flowwatch.api.rule.Severity;
import io.flowwatch.testkit.MutableClock;
import io.flowwatch.testkit.TestPluginContext;
import io.flowwatch.testkit.RecordingServer;
import io.flowwatch.testkit.TestAlerts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SlackNotifierMessageTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String WJ = "\u2060";
    private static final String STATUS_LINK = "<http://127.0.0.1:9464/|Status page>";

    private final RecordingServer server;
    private final TestPluginContext ctx = new TestPluginContext("netsec", new MutableClock(Instant.EPOCH), Path.of("unused"));
    private SlackNotifier notifier;

    SlackNotifierMessageTest() throws Exception {
        server = new RecordingServer();
    }

    @AfterEach
    void stop() {
        if (notifier != null) {
            notifier.close();
        }
        server.close();
    }

    private SlackNotifier notifier(String extra) {
        notifier = (SlackNotifier) new SlackNotifierFactory().create(
                TestAlerts.block(SlackNotifierFactory.class, "slack", "webhook-url = \"" + server.url("/services/T0/B0/xyz") + "\"\n" + extra), ctx);
        return notifier;
    }

    private JsonNode send(String extra, Alert alert) throws Exception {
        DeliveryResult r = notifier(extra).deliver(alert);
        assertThat(r.outcome()).isEqualTo(DeliveryResult.Outcome.DELIVERED);
        return MAPPER.readTree(server.only().body());
    }

    private static List<String> keys(JsonNode n) {
        List<String> keys = new ArrayList<>();
        n.fieldNames().forEachRemaining(keys::add);
        return keys;
    }

    private static List<String> texts(JsonNode array, String field) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.path(field).isTextual() ? n.get(field).asText() : n.path(field).path("text").asText()));
        return out;
    }

    @Test
    void firingAlertBecomesABlockKitMessageWithColourFieldsSamplesAndStatusLink() throws Exception {
        JsonNode m = send("", TestAlerts.firing());

        RecordingServer.Request r = server.only();
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.path()).isEqualTo("/services/T0/B0/xyz");
        assertThat(r.header("Content-Type")).isEqualTo("application/json; charset=utf-8");

        assertThat(keys(m)).containsExactly("text", "blocks", "attachments");
        assertThat(m.get("text").asText()).isEqualTo("FIRING high ssh-brute: 57 rejected SSH attempts from 203.0.113.9");
        assertThat(m.get("blocks")).isEqualTo(MAPPER.readTree("""
                [{"type":"header","text":{"type":"plain_text","text":":rotating_light: FIRING · high · ssh-brute","emoji":true}}]"""));

        JsonNode att = m.get("attachments");
        assertThat(att.size()).isEqualTo(1);
        assertThat(att.get(0).get("color").asText()).isEqualTo("#E01E5A");
        JsonNode blocks = att.get(0).get("blocks");
        assertThat(texts(blocks, "type")).containsExactly("section", "section", "section", "context");
        assertThat(blocks.get(0).get("text").get("type").asText()).isEqualTo("mrkdwn");
        assertThat(blocks.get(0).get("text").get("text").asText()).isEqualTo("""
                :rotating_light: *FIRING* *ssh-brute* (high)
                57 rejected SSH attempts from 203.0.113.9
                _Someone is guessing passwords_""");
        assertThat(texts(blocks.get(1).get("fields"), "text")).containsExactly(
                "*Severity*\nhigh",
                "*State*\nfiring",
                "*Value*\n57 (threshold 20)",
                "*Time*\n2024-06-01T12:00:00Z → now (firing)",
                "*Labels*\ndstport = 22\nsrcaddr = 203.0.113.9");
        assertThat(blocks.get(2).get("text").get("text").asText()).isEqualTo(
                "*Sample records*\n```\n"
                        + "{\"srcaddr\":\"203.0.113.9\",\"dstport\":22,\"bytes\":1234.5,\"action\":\"REJECT\",\"log-status\":null}"
                        + "\n```");
        assertThat(blocks.get(3).get("elements").get(0).get("text").asText())
                .isEqualTo(STATUS_LINK + " · alert ssh-brute/5e1f");
    }

    @Test
    void resolvedAlertIsMarkedResolvedAndGreen() throws Exception {
        JsonNode m = send("", TestAlerts.resolved());

        assertThat(m.get("text").asText()).startsWith("RESOLVED high ssh-brute");
        assertThat(m.at("/blocks/0/text/text").asText()).isEqualTo(":white_check_mark: RESOLVED · high · ssh-brute");
        JsonNode att = m.get("attachments").get(0);
        assertThat(att.get("color").asText()).isEqualTo("#2EB67D");
        JsonNode blocks = att.get("blocks");
        // No samples: no samples block.
        assertThat(texts(blocks, "type")).containsExactly("section", "section", "context");
        assertThat(blocks.at("/0/text/text").asText()).startsWith(":white_check_mark: *RESOLVED* *ssh-brute* (high)");
        assertThat(texts(blocks.get(1).get("fields"), "text")).contains(
                "*State*\nresolved", "*Value*\n3 (threshold 20)", "*Time*\n2024-06-01T12:00:00Z → 2024-06-01T12:05:30Z");
    }

    @ParameterizedTest
    @CsvSource({"INFO,#439FE0", "LOW,#ECB22E", "MEDIUM,#F2952F", "HIGH,#E01E5A", "CRITICAL,#8B0000"})
    void colourFollowsSeverity(Severity severity, String colour) throws Exception {
        Alert f = TestAlerts.firing();
        JsonNode m = send("", new Alert(f.id(), f.rule(), severity, f.state(), f.labels(), f.value(), f.threshold(),
                f.startsAt(), null, f.summary(), f.description(), f.samples()));

        assertThat(m.at("/attachments/0/color").asText()).isEqualTo(colour);
    }

    @Test
    void configuredColoursAndSenderOverridesAreSent() throws Exception {
        JsonNode m = send("""
                colors.high = "#123abc"
                username = flowwatch
                icon-emoji = ":shield:"
                channel = "#netsec"
                """, TestAlerts.firing());

        assertThat(keys(m)).containsExactly("text", "username", "icon_emoji", "channel", "blocks", "attachments");
        assertThat(m.get("username").asText()).isEqualTo("flowwatch");
        assertThat(m.get("icon_emoji").asText()).isEqualTo(":shield:");
        assertThat(m.get("channel").asText()).isEqualTo("#netsec");
        assertThat(m.at("/attachments/0/color").asText()).isEqualTo("#123ABC");
    }

    @Test
    void hostileRecordTextCannotFormMarkupLinksOrMentions() throws Exception {
        JsonNode m = send("", TestAlerts.hostile());

        String escaped = "&lt;script&gt;alert(\"x\")&lt;/script&gt; &lt;!channel&gt; @" + WJ
                + "here &amp; 'quoted' \"dq\" line2 \\back é";
        JsonNode blocks = m.at("/attachments/0/blocks");
        assertThat(m.get("text").asText()).isEqualTo("FIRING critical exfil: " + escaped);
        assertThat(blocks.at("/0/text/text").asText()).isEqualTo(
                ":rotating_light: *FIRING* *exfil* (critical)\n" + escaped + "\n_" + escaped + "_");
        assertThat(texts(blocks.get(1).get("fields"), "text")).contains(
                "*Value*\n0.25 (threshold 1000000000)",
                "*Labels*\nhost&lt;b&gt; = a&amp;b\nwho = " + escaped);
        // In the code block the JSON writer already turned line breaks into \n; quotes stay JSON-escaped.
        assertThat(blocks.at("/2/text/text").asText()).isEqualTo("*Sample records*\n```\n"
                + "{\"srcaddr\":\"&lt;script&gt;alert(\\\"x\\\")&lt;/script&gt; &lt;!channel&gt; @" + WJ
                + "here &amp; 'quoted' \\\"dq\\\"\\nline2\\r\\n\\\\back é\"}\n```");

        // Whole-message guard: outside the status link, no text has a raw < or >, a bare & or a live @here.
        List<String> all = new ArrayList<>();
        collectText(m, all);
        for (String t : all) {
            String s = t.replace(STATUS_LINK, "");
            assertThat(s).doesNotContain("<", ">").doesNotContainPattern("&(?!amp;|lt;|gt;)")
                    .doesNotContainPattern("(?i)@(here|channel|everyone)");
        }
    }

    @Test
    void codeBlocksCannotBeClosedByRecordText() throws Exception {
        Alert f = TestAlerts.firing();
        JsonNode m = send("", new Alert(f.id(), f.rule(), f.severity(), f.state(), f.labels(), 1, 0, f.startsAt(), null,
                "", "", List.of(Map.of("x", "```\n*bold* <!here>"))));

        String samples = m.at("/attachments/0/blocks/2/text/text").asText();
        assertThat(samples).startsWith("*Sample records*\n```\n").endsWith("\n```");
        String inside = samples.substring("*Sample records*\n```\n".length(), samples.length() - "\n```".length());
        assertThat(inside).doesNotContain("`").isEqualTo("{\"x\":\"ˋˋˋ\\n*bold* &lt;!here&gt;\"}");
    }

    @Test
    void userTemplateEscapesDoubleBracesAndLeavesTripleBracesRaw() throws Exception {
        JsonNode m = send("""
                template = "{{#labels}}{{name}}={{value}};{{/labels}} <{{{statusUrl}}}|open> {{value}}/{{threshold}} {{state}}"
                """, TestAlerts.hostile());

        assertThat(m.at("/attachments/0/blocks/0/text/text").asText()).isEqualTo(
                "host&lt;b&gt;=a&amp;b;who=&lt;script&gt;alert(\"x\")&lt;/script&gt; &lt;!channel&gt; @" + WJ
                        + "here &amp; 'quoted' \"dq\" line2 \\back é; <http://127.0.0.1:9464/|open> 0.25/1000000000 firing");
    }

    @Test
    void longTextIsCutToSlacksLimits() throws Exception {
        Alert f = TestAlerts.firing();
        String huge = "&".repeat(5000);
        JsonNode m = send("", new Alert(f.id(), f.rule(), f.severity(), f.state(), Map.of("k", huge), 1, 0,
                f.startsAt(), null, huge, "", List.of()));

        String main = m.at("/attachments/0/blocks/0/text/text").asText();
        assertThat(main.length()).isLessThanOrEqualTo(SlackMessage.SECTION_MAX);
        assertThat(main).endsWith("&amp;…");
        m.at("/attachments/0/blocks/1/fields").forEach(fld ->
                assertThat(fld.get("text").asText().length()).isLessThanOrEqualTo(SlackMessage.FIELD_MAX));
    }

    private static void collectText(JsonNode n, List<String> out) {
        if (n.isTextual()) {
            out.add(n.asText());
        }
        n.forEach(child -> collectText(child, out));
    }
}
