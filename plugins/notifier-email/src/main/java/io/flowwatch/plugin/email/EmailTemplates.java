package io.flowwatch.plugin.email;

import com.samskivert.mustache.Mustache;
import com.samskivert.mustache.MustacheException;
import com.samskivert.mustache.Template;
import io.flowwatch.api.notify.Alert;
import io.flowwatch.api.rule.Severity;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Renders an alert's subject, text and HTML from mustache templates.
 *
 * <p>Alert text (labels, summaries, sample record fields) is untrusted: it comes from log records.
 * The HTML template is compiled with HTML escaping for every {@code {{var}}}, the text and subject
 * templates without; the subject is then flattened to one line by {@link #headerText}, because a
 * CR or LF there would let a record inject headers such as {@code Bcc:}.
 */
final class EmailTemplates {

    static final String DEFAULT_SUBJECT = resource("default-subject.mustache");
    static final String DEFAULT_TEXT = resource("default-text.mustache");
    static final String DEFAULT_HTML = resource("default-html.mustache");

    /** Samples shown per mail, and the longest field value shown: enough to recognise, not a log dump. */
    static final int MAX_SAMPLES = 5;
    static final int MAX_FIELD_LENGTH = 200;
    /** Longest subject kept; longer ones are cut with an ellipsis. */
    static final int MAX_SUBJECT_LENGTH = 250;

    private final Template subject;
    private final Template text;
    private final Template html;
    private final String statusUrl;

    EmailTemplates(String subject, String text, String html, String statusUrl) {
        this.subject = plain().compile(subject);
        this.text = plain().compile(text);
        this.html = htmlCompiler().compile(html);
        this.statusUrl = statusUrl;
    }

    /** The one-line subject, free of control characters, at most {@link #MAX_SUBJECT_LENGTH} characters. */
    String subject(Alert alert) {
        String s = headerText(subject.execute(context(alert)));
        return s.length() <= MAX_SUBJECT_LENGTH ? s : s.substring(0, MAX_SUBJECT_LENGTH - 1) + "\u2026";
    }

    String text(Alert alert) {
        return text.execute(context(alert));
    }

    String html(Alert alert) {
        return html.execute(context(alert));
    }

    /**
     * Text safe for a header value: every control character (CR, LF, TAB, NEL, U+2028/9 included)
     * becomes a space and runs of spaces collapse, so nothing can start a new header line.
     */
    static String headerText(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean space = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean blank = Character.isISOControl(c) || Character.isWhitespace(c) || c == '\u2028' || c == '\u2029';
            if (blank) {
                space = sb.length() > 0;
            } else {
                if (space) {
                    sb.append(' ');
                    space = false;
                }
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** Null when {@code source} compiles and renders a sample alert, else why not. */
    static String check(String source) {
        try {
            plain().compile(source).execute(context(sampleAlert(), "http://127.0.0.1:9464/"));
            return null;
        } catch (MustacheException e) {
            return e.getMessage();
        }
    }

    private static Mustache.Compiler plain() {
        // Strict about names (a typo is a config error found by check()), lenient about nulls.
        return Mustache.compiler().escapeHTML(false).nullValue("").emptyStringIsFalse(true).zeroIsFalse(true);
    }

    private static Mustache.Compiler htmlCompiler() {
        return Mustache.compiler().escapeHTML(true).nullValue("").emptyStringIsFalse(true).zeroIsFalse(true);
    }

    private Map<String, Object> context(Alert alert) {
        return context(alert, statusUrl);
    }

    /** The names templates can use; documented in reference.conf. */
    static Map<String, Object> context(Alert a, String statusUrl) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", a.id());
        m.put("rule", a.rule());
        m.put("severity", a.severity().configName());
        m.put("state", a.state().wireName());
        m.put("STATE", a.state().name());
        m.put("firing", a.state() == Alert.State.FIRING);
        m.put("resolved", a.state() == Alert.State.RESOLVED);
        List<Map<String, String>> labels = new ArrayList<>();
        StringBuilder labelText = new StringBuilder();
        for (Map.Entry<String, String> e : new TreeMap<>(a.labels()).entrySet()) {
            labels.add(Map.of("key", e.getKey(), "value", cut(e.getValue())));
            labelText.append(labelText.length() == 0 ? "" : " ").append(e.getKey()).append('=').append(cut(e.getValue()));
        }
        m.put("labels", labels);
        m.put("labelText", labelText.toString());
        m.put("value", number(a.value()));
        m.put("threshold", number(a.threshold()));
        m.put("startsAt", a.startsAt().toString());
        m.put("endsAt", a.endsAt() == null ? "" : a.endsAt().toString());
        m.put("summary", a.summary());
        m.put("description", a.description());
        List<Map<String, Object>> samples = new ArrayList<>();
        for (Map<String, Object> sample : a.samples().subList(0, Math.min(MAX_SAMPLES, a.samples().size()))) {
            List<Map<String, String>> fields = new ArrayList<>();
            StringBuilder line = new StringBuilder();
            for (Map.Entry<String, Object> f : sample.entrySet()) {
                String v = cut(String.valueOf(f.getValue()));
                fields.add(Map.of("key", f.getKey(), "value", v));
                line.append(line.length() == 0 ? "" : " ").append(f.getKey()).append('=').append(v);
            }
            samples.add(Map.of("fields", fields, "line", line.toString()));
        }
        m.put("samples", samples);
        m.put("moreSamples", a.samples().size() > MAX_SAMPLES ? a.samples().size() - MAX_SAMPLES : 0);
        m.put("statusUrl", statusUrl);
        return m;
    }

    private static String cut(String s) {
        return s.length() <= MAX_FIELD_LENGTH ? s : s.substring(0, MAX_FIELD_LENGTH) + "\u2026";
    }

    /** 5 rather than 5.0, 0.25 as is: values are mostly counts. */
    static String number(double d) {
        if (d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        return Double.toString(d);
    }

    private static Alert sampleAlert() {
        return new Alert("sample", "sample-rule", Severity.HIGH, Alert.State.FIRING, Map.of("srcaddr", "10.0.0.1"),
                1, 1, Instant.EPOCH, null, "summary", "description", List.of(Map.of("srcaddr", "10.0.0.1")));
    }

    private static String resource(String name) {
        try (InputStream in = EmailTemplates.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing built-in template " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
