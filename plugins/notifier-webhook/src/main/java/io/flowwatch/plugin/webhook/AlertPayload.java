package io.flowwatch.plugin.webhook;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.flowwatch.api.notify.Alert;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The request body: the DESIGN.md alert contract, exactly the keys id, rule, severity, state,
 * labels, value, threshold, startsAt, endsAt, summary, description, samples, as the {@code file}
 * notifier writes them (RFC 3339 UTC times, whole numbers without a fraction, NaN as null).
 */
final class AlertPayload {

    private static final JsonFactory JSON = new JsonFactory();

    private AlertPayload() {
    }

    /** UTF-8 JSON bytes; these exact bytes are sent and signed. */
    static byte[] toJson(Alert a) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeStringField("id", a.id());
            g.writeStringField("rule", a.rule());
            g.writeStringField("severity", a.severity().configName());
            g.writeStringField("state", a.state().wireName());
            g.writeObjectFieldStart("labels");
            for (Map.Entry<String, String> e : new TreeMap<>(a.labels()).entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeFieldName("value");
            writeNumber(g, a.value());
            g.writeFieldName("threshold");
            writeNumber(g, a.threshold());
            g.writeStringField("startsAt", a.startsAt().toString());
            if (a.endsAt() == null) {
                g.writeNullField("endsAt");
            } else {
                g.writeStringField("endsAt", a.endsAt().toString());
            }
            g.writeStringField("summary", a.summary());
            g.writeStringField("description", a.description());
            g.writeArrayFieldStart("samples");
            for (Map<String, Object> sample : a.samples()) {
                writeSample(g, sample);
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void writeSample(JsonGenerator g, Map<String, Object> values) throws IOException {
        g.writeStartObject();
        for (Map.Entry<String, Object> e : values.entrySet()) {
            Object v = e.getValue();
            g.writeFieldName(e.getKey());
            if (v == null) {
                g.writeNull();
            } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
                g.writeNumber(((Number) v).longValue());
            } else if (v instanceof Number n) {
                writeNumber(g, n.doubleValue());
            } else if (v instanceof Boolean b) {
                g.writeBoolean(b);
            } else if (v instanceof List<?> list) {
                g.writeStartArray();
                for (Object o : list) {
                    g.writeString(String.valueOf(o));
                }
                g.writeEndArray();
            } else {
                g.writeString(v.toString());
            }
        }
        g.writeEndObject();
    }

    private static void writeNumber(JsonGenerator g, double d) throws IOException {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            g.writeNull();
        } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            g.writeNumber((long) d);
        } else {
            g.writeNumber(d);
        }
    }
}
