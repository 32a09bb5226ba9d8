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

    private static String time(Instant t) {
        return t.toString();
    }
}
