package io.flowwatch.plugin.alertmanager;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.flowwatch.api.notify.Alert;
import io.flowwatch.api.notify.DeliveryResult;
import io.flowwatch.api.notify.Notifier;
import io.flowwatch.plugin.support.http.HttpOutcome;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;

/**
 * Posts each alert to Alertmanager's {@code /api/v2/alerts} as a one-element JSON array; one POST
 * per {@link #deliver}. The HTTP client is built at the first delivery, on runtime-named threads.
 */
final class AlertmanagerNotifier implements Notifier {

    private static final JsonFactory JSON = new JsonFactory();
    private static final int DETAIL_BODY_CHARS = 200;

    private final AlertmanagerNotifierConfig config;
    private final Clock clock;
    private final ThreadFactory threads;
    private final String authorization;
    private ExecutorService executor;
    private HttpClient client;

    AlertmanagerNotifier(AlertmanagerNotifierConfig config, Clock clock, ThreadFactory threads) {
        this.config = config;
        this.clock = clock;
        this.threads = threads;
        this.authorization = config.username() == null ? null : "Basic " + Base64.getEncoder().encodeToString(
                (config.username() + ":" + config.password()).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public synchronized DeliveryResult deliver(Alert alert) {
        HttpRequest.Builder request = HttpRequest.newBuilder(config.alertsUri())
                .timeout(config.timeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", "flowwatch")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body(alert, config, clock.instant())));
        config.headers().forEach(request::header);
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        HttpResponse<String> response;
        try {
            response = client().send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return DeliveryResult.retry("Alertmanager " + where() + ": " + e, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return DeliveryResult.retry("Alertmanager " + where() + ": interrupted", null);
        }
        return outcome(response.statusCode(), response.body(),
                response.headers().firstValue("Retry-After").orElse(null));
    }

    /** Maps an answer: 2xx delivered; 408, 429 and 5xx retry (honouring Retry-After); the rest is permanent. */
    DeliveryResult outcome(int status, String body, String retryAfter) {
        if (status >= 200 && status < 300) {
            return DeliveryResult.delivered();
        }
        String snippet = body == null ? "" : body.strip().replaceAll("\\p{Cntrl}+", " ");
        if (snippet.length() > DETAIL_BODY_CHARS) {
            snippet = snippet.substring(0, DETAIL_BODY_CHARS) + "...";
        }
        String detail = "Alertmanager " + where() + " answered " + status + (snippet.isEmpty() ? "" : ": " + snippet);
        if (HttpOutcome.retryable(status)) {
            return DeliveryResult.retry(detail, HttpOutcome.retryAfter(retryAfter, clock));
        }
        // 400 (an alert it will never take), 401/403 (credentials), 404 (wrong url), redirects (not followed).
        return DeliveryResult.permanentFailure(detail);
    }

    /** The request body: {@code [ {labels, annotations, startsAt, endsAt?, generatorURL} ]}. */
    static byte[] body(Alert a, AlertmanagerNotifierConfig config, Instant now) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartArray();
            g.writeStartObject();
            g.writeObjectFieldStart("labels");
            for (Map.Entry<String, String> e : labels(a).entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeObjectFieldStart("annotations");
            g.writeStringField("summary", a.summary());
            g.writeStringField("description", a.description());
            g.writeStringField("value", number(a.value()));
            g.writeStringField("threshold", number(a.threshold()));
            g.writeStringField("flowwatch_id", a.id());
            g.writeEndObject();
            g.writeStringField("startsAt", a.startsAt().toString());
            Instant endsAt = a.state() == Alert.State.RESOLVED
                    ? (a.endsAt() != null ? a.endsAt() : now)
                    : (config.firingTtl() != null ? now.plus(config.firingTtl()) : null);
            if (endsAt != null) {
                // A resolved alert must end after it started, or Alertmanager rejects it with 400.
                g.writeStringField("endsAt", (endsAt.isAfter(a.startsAt()) ? endsAt : a.startsAt().plusMillis(1)).toString());
            }
            g.writeStringField("generatorURL", config.statusUrl());
            g.writeEndObject();
            g.writeEndArray();
        } catch (IOException e) {
            throw new UncheckedIOException("writing JSON to memory", e);
        }
        return out.toByteArray();
    }

    /**
     * alertname and severity first, then the alert's labels with names made valid for
     * Alertmanager ([a-zA-Z_][a-zA-Z0-9_]*). Names that clash are kept apart, never overwritten:
     * alertname/severity become exported_*, and two labels that sanitise alike get _2, _3.
     */
    static Map<String, String> labels(Alert a) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("alertname", a.rule());
        out.put("severity", a.severity().configName());
        for (Map.Entry<String, String> e : new TreeMap<>(a.labels()).entrySet()) {
            if (e.getValue().isEmpty()) {
                continue; // an empty label value means "no such label" to Alertmanager
            }
            String name = labelName(e.getKey());
            if (name.equals("alertname") || name.equals("severity")) {
                name = "exported_" + name;
            }
            String unique = name;
            for (int n = 2; out.containsKey(unique); n++) {
                unique = name + "_" + n;
            }
            out.put(unique, e.getValue());
        }
        return out;
    }

    static String labelName(String raw) {
        StringBuilder sb = new StringBuilder(raw.length() + 1);
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            boolean ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            sb.append(ok ? c : '_');
        }
        if (sb.length() == 0 || (sb.charAt(0) >= '0' && sb.charAt(0) <= '9')) {
            sb.insert(0, '_');
        }
        return sb.toString();
    }

    static String number(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return String.valueOf(v);
        }
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    private String where() {
        // Scheme, host, port and path only: a URL never carries the credentials, but keep it short.
        return config.alertsUri().getScheme() + "://" + config.alertsUri().getAuthority() + config.alertsUri().getPath();
    }

    private HttpClient client() {
        if (client == null) {
            executor = Executors.newCachedThreadPool(threads);
            client = HttpClient.newBuilder()
                    .connectTimeout(config.timeout())
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .executor(executor)
                    .build();
        }
        return client;
    }

    @Override
    public synchronized void close() {
        client = null;
        if (executor != null) {
            executor.shutdownNow();
            executor = null;
        }
    }
}
