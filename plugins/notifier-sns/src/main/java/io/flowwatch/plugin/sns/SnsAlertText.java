package io.flowwatch.plugin.sns;

import com.samskivert.mustache.Mustache;
import com.samskivert.mustache.MustacheException;
import com.samskivert.mustache.Template;
import io.flowwatch.api.config.ConfigReader;
import io.flowwatch.api.notify.Alert;
import io.flowwatch.api.rule.Severity;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Renders an alert's SNS subject and message from mustache templates, and makes both fit SNS's
 * rules: the subject printable ASCII on one line under 100 characters, the message within 256 KB.
 */
final class SnsAlertText {

    /** SNS accepts at most 256 KB per message, message attributes included. */
    static final int MAX_PUBLISH_BYTES = 256 * 1024;
    /** SNS: "less than 100 characters"; 99 is safe whichever way a reader counts. */
    static final int MAX_SUBJECT_CHARS = 99;

    static final String DEFAULT_SUBJECT = "[{{STATE}}] {{severity}} {{rule}}: {{summary}}";

    static final String DEFAULT_MESSAGE = """
            {{STATE}} {{severity}} alert: {{rule}}
            {{summary}}
            {{#description}}

            {{description}}
            {{/description}}

            Labels:
            {{#labels}}
              {{key}} = {{value}}
            {{/labels}}
            Value: {{value}} (threshold {{threshold}})
            Time:  {{startsAt}} .. {{#endsAt}}{{endsAt}}{{/endsAt}}{{^endsAt}}(still firing){{/endsAt}}
            {{#sampleCount}}

            Sample records:
            {{#samples}}
              {{line}}
            {{/samples}}
            {{/sampleCount}}

            Alert id: {{id}}
            Status:   {{statusUrl}}
            """;

    private static final String CUT_MARK = "\n[... cut to fit SNS's 256 KB message limit]";

    /** Plain text: values from records and labels may not bring control characters (fake lines, terminal codes). */
    private static final Mustache.Compiler COMPILER = Mustache.compiler()
            .withEscaper(SnsAlertText::neutraliseControls)
            .nullValue("")
            .emptyStringIsFalse(true)
            .zeroIsFalse(true);

    private SnsAlertText() {
    }

    /** Compiles the template at {@code key} (or {@code fallback} when unset) and tries it on a sample alert. */
    static Template compile(ConfigReader r, String key, String fallback) {
        String text = r.has(key) ? r.string(key) : fallback;
        if (text == null) {
            return null;
        }
        try {
            Template t = COMPILER.compile(text);
            // Unknown variables surface only when rendering: find them now, as a config problem.
            t.execute(context(sampleAlert(), "http://127.0.0.1:9464/", Integer.MAX_VALUE));
            return t;
        } catch (MustacheException e) {
            r.problem(key, "expected a mustache template: " + e.getMessage());
            return null;
        }
    }

    /** The subject, made to fit SNS's rules. */
    static String subject(Template template, Alert alert, String statusUrl) {
        return fitSubject(template.execute(context(alert, statusUrl, 0)));
    }

    /**
     * The message, at most {@code maxBytes} of UTF-8: sample records are dropped (halving) until it
     * fits, and only then is the text cut.
     */
    static String message(Template template, Alert alert, String statusUrl, int maxBytes) {
        int samples = alert.samples().size();
        while (true) {
            String text = template.execute(context(alert, statusUrl, samples));
            if (utf8Length(text) <= maxBytes) {
                return text;
            }
            if (samples == 0) {
                return cut(text, maxBytes);
            }
            samples /= 2;
        }
    }

    static String fitSubject(String raw) {
        String s = Normalizer.normalize(raw, Normalizer.Form.NFD).replaceAll("\\p{M}+", "");
        StringBuilder sb = new StringBuilder(s.length());
        boolean space = true; // drops leading blanks and collapses runs: SNS wants a visible first character
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp <= ' ' || Character.isWhitespace(cp) || Character.isISOControl(cp)) {
                if (!space) {
                    sb.append(' ');
                    space = true;
                }
            } else {
                sb.append(cp < 0x7f ? (char) cp : '?');
                space = false;
            }
        }
        String out = sb.toString().strip();
        if (out.length() > MAX_SUBJECT_CHARS) {
            int room = MAX_SUBJECT_CHARS - 3;
            int cut = out.lastIndexOf(' ', room);
            // Cut at a word when that keeps most of the text; a long word is cut where it is.
            out = (cut >= room * 2 / 3 ? out.substring(0, cut) : out.substring(0, room)).strip() + "...";
        }
        return out.isEmpty() ? "flowwatch alert" : out;
    }

    static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /** Cuts to at most {@code maxBytes} of UTF-8 including the mark, never inside a character. */
    private static String cut(String text, int maxBytes) {
        int budget = maxBytes - utf8Length(CUT_MARK);
        int bytes = 0;
        int i = 0;
        while (i < text.length()) {
            int cp = text.codePointAt(i);
            int len = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
            if (bytes + len > budget) {
                break;
            }
            bytes += len;
            i += Character.charCount(cp);
        }
        return text.substring(0, i) + CUT_MARK;
    }

    static String neutraliseControls(String raw) {
        StringBuilder sb = null;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                if (sb == null) {
                    sb = new StringBuilder(raw.length()).append(raw, 0, i);
                }
                sb.append(' ');
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? raw : sb.toString();
    }

    static Map<String, Object> context(Alert a, String statusUrl, int maxSamples) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rule", a.rule());
        m.put("severity", a.severity().configName());
        m.put("state", a.state().wireName());
        m.put("STATE", a.state().name());
        m.put("firing", a.state() == Alert.State.FIRING);
        m.put("resolved", a.state() == Alert.State.RESOLVED);
        m.put("id", a.id());
        List<Map<String, String>> labels = new ArrayList<>();
        new TreeMap<>(a.labels()).forEach((k, v) -> labels.add(Map.of("key", k, "value", v)));
        m.put("labels", labels);
        m.put("value", number(a.value()));
        m.put("threshold", number(a.threshold()));
        m.put("startsAt", a.startsAt().toString());
        m.put("endsAt", a.endsAt() == null ? null : a.endsAt().toString());
        m.put("summary", a.summary());
        m.put("description", a.description());
        List<Map<String, String>> samples = new ArrayList<>();
        for (Map<String, Object> s : a.samples().subList(0, Math.min(maxSamples, a.samples().size()))) {
            StringBuilder line = new StringBuilder();
            s.forEach((k, v) -> line.append(line.length() == 0 ? "" : " ").append(k).append('=').append(v));
            samples.add(Map.of("line", line.toString()));
        }
        m.put("samples", samples);
        m.put("sampleCount", samples.size());
        m.put("statusUrl", statusUrl);
        return m;
    }

    static String number(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return String.valueOf(v);
        }
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    private static Alert sampleAlert() {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("srcaddr", "10.0.0.1");
        return new Alert("sample", "sample-rule", Severity.HIGH, Alert.State.RESOLVED, Map.of("srcaddr", "10.0.0.1"),
                1, 1, Instant.EPOCH, Instant.EPOCH.plusSeconds(60), "summary", "description", List.of(record));
    }

}
