package io.flowwatch.runtime.notify;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.flowwatch.api.notify.Alert;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The alert JSON contract of DESIGN.md: exactly the keys id, rule, severity, state, labels, value,
 * threshold, startsAt, endsAt, summary, description, samples. Times are RFC 3339 UTC; whole
 * numbers are written without a fraction.
 */
public final class AlertJson {

    private static final JsonFactory JSON = new JsonFactory();

    private AlertJson() {
    }

    public static String toJson(Alert a) {
        StringWriter w = new StringWriter(512);
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeStartObject();
            g.writeStringField("id", a.id());
            g.writeStringField("rule", a.rule());
            g.writeStringField("severity", a.severity().configName());
            g.writeStringField("state", a.state().wireName());
            g.writeObjectFieldStart("labels");
            for (Map.Entry<String, String> e : new java.util.TreeMap<>(a.labels()).entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeFieldName("value");
            writeNumber(g, a.value());
            g.writeFieldName("threshold");
            writeNumber(g, a.threshold());
            g.writeStringField("startsAt", time(a.startsAt()));
            if (a.endsAt() == null) {
                g.writeNullField("endsAt");
            } else {
                g.writeStringField("endsAt", time(a.endsAt()));
            }
            g.writeStringField("summary", a.summary());
            g.writeStringField("description", a.description());
            g.writeArrayFieldStart("samples");
            for (Map<String, Object> sample : a.samples()) {
                writeObject(g, sample);
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    static void writeObject(JsonGenerator g, Map<String, Object> values) throws IOException {
        g.writeStartObject();
        for (Map.Entry<String, Object> e : values.entrySet()) {
            Object v = e.getValue();
            if (v == null) {
                g.writeNullField(e.getKey());
            } else if (v instanceof Long l) {
                g.writeNumberField(e.getKey(), l);
            } else if (v instanceof Number n) {
                g.writeFieldName(e.getKey());
                writeNumber(g, n.doubleValue());
            } else if (v instanceof List<?> list) {
                g.writeArrayFieldStart(e.getKey());
                for (Object o : list) {
                    g.writeString(String.valueOf(o));
                }
                g.writeEndArray();
            } else {
                g.writeStringField(e.getKey(), v.toString());
            }
        }
        g.writeEndObject();
    }

    private static void writeNumber(JsonGenerator g, double d) throws IOException {
        if (d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e15) {
            g.writeNumber((long) d);
        } else if (Double.isNaN(d) || Double.isInfinite(d)) {
            g.writeNull();
        } else {
            g.writeNumber(d);
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper MAPPER = new com.fasterxml.jackson.databind.ObjectMapper();

    /** Reads back what {@link #toJson} wrote (the outbox's stored form). */
    public static Alert fromJson(String json) throws IOException {
        com.fasterxml.jackson.databind.JsonNode n = MAPPER.readTree(json);
        if (n == null || !n.isObject()) {
            throw new IOException("expected a JSON object");
        }
        Map<String, String> labels = new java.util.TreeMap<>();
        n.path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        List<Map<String, Object>> samples = new java.util.ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode s : n.path("samples")) {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            s.fields().forEachRemaining(e -> {
                com.fasterxml.jackson.databind.JsonNode v = e.getValue();
                m.put(e.getKey(), v.isNull() ? null : v.isIntegralNumber() ? (Object) v.asLong() : v.isNumber() ? (Object) v.asDouble() : v.asText());
            });
            samples.add(m);
        }
        try {
            return new Alert(text(n, "id"), text(n, "rule"), io.flowwatch.api.rule.Severity.fromConfigName(text(n, "severity")),
                    Alert.State.valueOf(text(n, "state").toUpperCase(java.util.Locale.ROOT)), labels,
                    n.path("value").asDouble(Double.NaN), n.path("threshold").asDouble(Double.NaN),
                    Instant.parse(text(n, "startsAt")), n.path("endsAt").isNull() || n.path("endsAt").isMissingNode() ? null : Instant.parse(text(n, "endsAt")),
                    n.path("summary").asText(""), n.path("description").asText(""), samples);
        } catch (RuntimeException e) {
            throw new IOException("not an alert: " + e.getMessage(), e);
        }
    }

    private static String text(com.fasterxml.jackson.databind.JsonNode n, String key) throws IOException {
        com.fasterxml.jackson.databind.JsonNode v = n.get(key);
        if (v == null || v.isNull()) {
            throw new IOException("missing " + key);
        }
        return v.asText();
    }

    private static String time(Instant t) {
        return t.toString();
    }
}
