package io.flowwatch.runtime;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.flowwatch.runtime.pipeline.BoundRule;
import io.flowwatch.runtime.pipeline.SourceRunner;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The /health JSON and a plain server-rendered status page: no JavaScript, refreshes itself. */
final class StatusPage {

    private static final JsonFactory JSON = new JsonFactory();

    private StatusPage() {
    }

    static String healthJson(List<SourceRunner> runners) {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeStartObject();
            g.writeStringField("status", runners.stream().allMatch(SourceRunner::healthy) ? "ok" : "degraded");
            g.writeObjectFieldStart("sources");
            for (SourceRunner r : runners) {
                g.writeObjectFieldStart(r.name());
                g.writeBooleanField("healthy", r.healthy());
                if (!r.healthy()) {
                    g.writeStringField("error", r.lastError());
                }
                g.writeEndObject();
            }
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString() + "\n";
    }

    static String html(List<SourceRunner> runners, List<BoundRule> rules, long watermark) {
        StringBuilder sb = new StringBuilder(4096);
        sb.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta http-equiv=\"refresh\" content=\"10\"><title>flowwatch</title>")
                .append("<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}")
                .append("td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}.bad{color:#b00}</style>")
                .append("</head><body><h1>flowwatch</h1>");
        sb.append("<p>Event-time watermark: ").append(watermark == Long.MIN_VALUE ? "none yet"
                : watermark == Long.MAX_VALUE ? "end of input" : esc(Instant.ofEpochSecond(watermark).toString()))
                .append(". <a href=\"/metrics\">metrics</a> · <a href=\"/health\">health</a></p>");
        sb.append("<h2>Sources</h2><table><tr><th>name</th><th>state</th><th>last error</th></tr>");
        for (SourceRunner r : runners) {
            sb.append("<tr><td>").append(esc(r.name())).append("</td><td")
                    .append(r.healthy() ? ">ok" : " class=\"bad\">failing").append("</td><td>")
                    .append(esc(r.lastError())).append("</td></tr>");
        }
        sb.append("</table><h2>Rules</h2><table><tr><th>name</th><th>type</th><th>severity</th><th>firing keys</th></tr>");
        for (BoundRule b : rules) {
            sb.append("<tr><td>").append(esc(b.config().name())).append("</td><td>").append(esc(b.config().spec().type()))
                    .append("</td><td>").append(esc(b.config().spec().severity().configName())).append("</td><td>");
            List<Map<String, String>> keys = b.tracker().firingKeys();
            for (Map<String, String> k : keys) {
                sb.append(esc(k.toString())).append("<br>");
            }
            if (keys.isEmpty()) {
                sb.append("none");
            }
            sb.append("</td></tr>");
        }
        sb.append("</table></body></html>\n");
        return sb.toString();
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
