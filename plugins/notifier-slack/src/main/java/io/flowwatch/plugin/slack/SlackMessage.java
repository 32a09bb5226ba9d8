package io.flowwatch.plugin.slack;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.flowwatch.api.notify.Alert;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Block Kit payload for one alert:
 * <pre>
 * { "text": fallback line for notifications,
 *   "username"/"icon_emoji"/"channel": when configured,
 *   "blocks": [ header: ":rotating_light: FIRING · high · rule" (or ":white_check_mark: RESOLVED ...") ],
 *   "attachments": [ { "color": per severity, green when resolved,
 *       "blocks": [ section: the template's mrkdwn,
 *                   section fields: Severity, State, Value (vs threshold), Time, Labels,
 *                   section: sample records in a code block (when there are any),
 *                   context: status page link and alert id ] } ] }
 * </pre>
 * The attachment carries the colour bar, which Block Kit alone cannot show. All record text goes
 * through {@link SlackText}; Slack's size limits are respected by cutting, never by failing.
 */
final class SlackMessage {

    /** Slack's limits: header 150, section text 3000, field 2000, at most 10 fields. */
    static final int HEADER_MAX = 150;
    static final int SECTION_MAX = 3000;
    static final int FIELD_MAX = 2000;
    /** Alerts carry a few samples; more would only push the message over Slack's limits. */
    static final int MAX_SAMPLES = 5;

    private static final JsonFactory JSON = new JsonFactory();

    private SlackMessage() {
    }

    static byte[] toJson(Alert a, SlackNotifierConfig config, SlackTemplate template) {
        boolean firing = a.state() == Alert.State.FIRING;
        ByteArrayOutputStream out = new ByteArrayOutputStream(2048);
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeStringField("text", SlackText.truncate((firing ? "FIRING " : "RESOLVED ") + a.severity().configName()
                    + " " + SlackText.inline(a.rule()) + ": " + SlackText.inline(a.summary()), SECTION_MAX));
            if (config.username() != null) {
                g.writeStringField("username", config.username());
            }
            if (config.iconEmoji() != null) {
                g.writeStringField("icon_emoji", config.iconEmoji());
            }
            if (config.channel() != null) {
                g.writeStringField("channel", config.channel());
            }

            g.writeArrayFieldStart("blocks");
            g.writeStartObject();
            g.writeStringField("type", "header");
            g.writeObjectFieldStart("text");
            g.writeStringField("type", "plain_text");
            g.writeStringField("text", SlackText.truncate((firing ? ":rotating_light: FIRING" : ":white_check_mark: RESOLVED")
                    + " · " + a.severity().configName() + " · " + SlackText.plain(a.rule()), HEADER_MAX));
            g.writeBooleanField("emoji", true);
            g.writeEndObject();
            g.writeEndObject();
            g.writeEndArray();

            g.writeArrayFieldStart("attachments");
            g.writeStartObject();
            g.writeStringField("color", firing ? config.colors().get(a.severity().configName()) : config.colors().get("resolved"));
            g.writeArrayFieldStart("blocks");

            String main = template.render(a, config.statusUrl().toString());
            if (!main.isEmpty()) {
                section(g, SlackText.truncate(main, SECTION_MAX));
            }

            g.writeStartObject();
            g.writeStringField("type", "section");
            g.writeArrayFieldStart("fields");
            field(g, "*Severity*\n" + a.severity().configName());
            field(g, "*State*\n" + (firing ? "firing" : "resolved"));
            field(g, "*Value*\n" + SlackTemplate.number(a.value()) + " (threshold " + SlackTemplate.number(a.threshold()) + ")");
            field(g, "*Time*\n" + SlackTemplate.timeRange(a));
            if (!a.labels().isEmpty()) {
                StringBuilder labels = new StringBuilder("*Labels*");
                for (Map.Entry<String, String> e : new TreeMap<>(a.labels()).entrySet()) {
                    labels.append('\n').append(SlackText.inline(e.getKey())).append(" = ").append(SlackText.inline(e.getValue()));
                }
                field(g, labels.toString());
            }
            g.writeEndArray();
            g.writeEndObject();

            if (!a.samples().isEmpty()) {
                StringBuilder code = new StringBuilder();
                List<Map<String, Object>> samples = a.samples();
                for (int i = 0; i < Math.min(samples.size(), MAX_SAMPLES); i++) {
                    code.append(i == 0 ? "" : "\n").append(sampleJson(samples.get(i)));
                }
                String head = "*Sample records*\n```\n";
                String tail = "\n```";
                section(g, head + SlackText.truncate(SlackText.code(code.toString()),
                        SECTION_MAX - head.length() - tail.length()) + tail);
            }

            g.writeStartObject();
            g.writeStringField("type", "context");
            g.writeArrayFieldStart("elements");
            g.writeStartObject();
            g.writeStringField("type", "mrkdwn");
            // The status URL is config, checked to be a plain http(s) URL; escaped as Slack asks for link targets too.
            g.writeStringField("text", "<" + SlackText.inline(config.statusUrl().toString()) + "|Status page> · alert "
                    + SlackText.inline(a.id()));
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();

            g.writeEndArray();
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void section(JsonGenerator g, String mrkdwn) throws IOException {
        g.writeStartObject();
        g.writeStringField("type", "section");
        g.writeObjectFieldStart("text");
        g.writeStringField("type", "mrkdwn");
        g.writeStringField("text", mrkdwn);
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void field(JsonGenerator g, String mrkdwn) throws IOException {
        g.writeStartObject();
        g.writeStringField("type", "mrkdwn");
        g.writeStringField("text", SlackText.truncate(mrkdwn, FIELD_MAX));
        g.writeEndObject();
    }

    /** One sample as compact JSON (line breaks inside values become \n): unescaped for Slack yet. */
    static String sampleJson(Map<String, Object> sample) {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeStartObject();
            for (Map.Entry<String, Object> e : sample.entrySet()) {
                Object v = e.getValue();
                g.writeFieldName(e.getKey());
                if (v == null) {
                    g.writeNull();
                } else if (v instanceof Long || v instanceof Integer) {
                    g.writeNumber(((Number) v).longValue());
                } else if (v instanceof Number n) {
                    double d = n.doubleValue();
                    if (Double.isFinite(d)) {
                        g.writeNumber(d);
                    } else {
                        g.writeNull();
                    }
                } else if (v instanceof Boolean b) {
                    g.writeBoolean(b);
                } else {
                    g.writeString(String.valueOf(v));
                }
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }
}
