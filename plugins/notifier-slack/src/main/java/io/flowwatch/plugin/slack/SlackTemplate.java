package io.flowwatch.plugin.slack;

import com.samskivert.mustache.Mustache;
import com.samskivert.mustache.MustacheException;
import com.samskivert.mustache.Template;
import io.flowwatch.api.notify.Alert;
import io.flowwatch.api.rule.Severity;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The main section's mrkdwn, from a Mustache template (JMustache). Every {@code {{name}}} is
 * escaped by {@link SlackText#inline}; {@code {{{name}}}} is raw and only safe for trusted values.
 * Variables: id, rule, severity, state, firing, resolved, summary, description, value, threshold,
 * startsAt, endsAt, timeRange, statusUrl, labels (a list of name/value), samples (a list of
 * json); a variable that does not exist is an error found when the notifier is created.
 */
final class SlackTemplate {

    static final String DEFAULT = """
            {{#firing}}:rotating_light: *FIRING*{{/firing}}{{#resolved}}:white_check_mark: *RESOLVED*{{/resolved}} \
            *{{rule}}* ({{severity}})
            {{#summary}}{{summary}}
            {{/summary}}{{#description}}_{{description}}_
            {{/description}}""";

    private static final Mustache.Compiler COMPILER = Mustache.compiler()
            .withEscaper(SlackText::inline)
            .emptyStringIsFalse(true)
            .nullValue("");

    private final Template template;

    private SlackTemplate(Template template) {
        this.template = template;
    }

    /**
     * Compiles and tries the template on a firing and a resolved alert, so a typo fails at
     * config time, not at 3am.
     *
     * @throws IllegalArgumentException with the parser's or the renderer's message
     */
    static SlackTemplate compile(String text, String statusUrl) {
        SlackTemplate t;
        try {
            t = new SlackTemplate(COMPILER.compile(text));
        } catch (MustacheException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        Alert probe = new Alert("probe", "rule", Severity.HIGH, Alert.State.FIRING, Map.of("k", "v"), 1, 0,
                Instant.EPOCH, null, "s", "d", List.of(Map.of("k", "v")));
        Alert resolved = new Alert("probe", "rule", Severity.HIGH, Alert.State.RESOLVED, Map.of(), 0, 0,
                Instant.EPOCH, Instant.EPOCH, "", "", List.of());
        try {
            t.render(probe, statusUrl);
            t.render(resolved, statusUrl);
        } catch (MustacheException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return t;
    }

    String render(Alert a, String statusUrl) {
        return template.execute(context(a, statusUrl)).strip();
    }

    static Map<String, Object> context(Alert a, String statusUrl) {
        Map<String, Object> c = new HashMap<>();
        c.put("id", a.id());
        c.put("rule", a.rule());
        c.put("severity", a.severity().configName());
        c.put("state", a.state().wireName());
        c.put("firing", a.state() == Alert.State.FIRING);
        c.put("resolved", a.state() == Alert.State.RESOLVED);
        c.put("summary", a.summary());
        c.put("description", a.description());
        c.put("value", number(a.value()));
        c.put("threshold", number(a.threshold()));
        c.put("startsAt", a.startsAt().toString());
        c.put("endsAt", a.endsAt() == null ? null : a.endsAt().toString());
        c.put("timeRange", timeRange(a));
        c.put("statusUrl", statusUrl);
        List<Map<String, String>> labels = new ArrayList<>();
        for (Map.Entry<String, String> e : new TreeMap<>(a.labels()).entrySet()) {
            labels.add(Map.of("name", e.getKey(), "value", e.getValue()));
        }
        c.put("labels", labels);
        List<Map<String, String>> samples = new ArrayList<>();
        for (Map<String, Object> s : a.samples()) {
            samples.add(Map.of("json", SlackMessage.sampleJson(new LinkedHashMap<>(s))));
        }
        c.put("samples", samples);
        return c;
    }

    /** Whole numbers without a fraction, others in plain decimal notation. */
    static String number(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            return Double.toString(d);
        }
        return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
    }

    static String timeRange(Alert a) {
        return a.startsAt() + (a.endsAt() == null ? " → now (firing)" : " → " + a.endsAt());
    }
}
