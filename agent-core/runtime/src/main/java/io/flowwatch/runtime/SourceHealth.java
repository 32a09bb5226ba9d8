package io.flowwatch.runtime;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.flowwatch.runtime.config.HttpConfig;
import io.flowwatch.runtime.pipeline.SourceRunner;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToLongFunction;

/**
 * What {@code /health} says about each source: whether it is failing and for how long, its last
 * error, and how far its newest record lags behind the clock. A source failing longer than
 * {@code http.health.down-after} is "down" and makes {@code /health} answer 503; one failing for
 * less is "failing" (200, overall "degraded"), so one throttled request does not page anyone.
 * Observed by the agent's health ticker every second and on each request; thread-safe.
 */
final class SourceHealth {

    private static final JsonFactory JSON = new JsonFactory();

    /** One source's state as last observed. */
    record View(String name, String status, boolean healthy, String lastError, Instant lastErrorAt, long failingSeconds,
                Double lagSeconds, long errors) {
    }

    private record Tracked(Instant failingSince, String lastError, Instant lastErrorAt) {
    }

    private final HttpConfig.Health settings;
    private final Map<String, Tracked> tracked = new ConcurrentHashMap<>();

    SourceHealth(HttpConfig.Health settings) {
        this.settings = settings;
    }

    /**
     * Looks at the runners now and returns their views.
     *
     * @param newestEventTime a source's newest record event time (epoch seconds), {@link Long#MIN_VALUE} when none yet
     * @param errors          a source's failed polls so far
     */
    List<View> observe(List<SourceRunner> runners, Instant now, ToLongFunction<String> newestEventTime,
                       ToLongFunction<String> errors) {
        return runners.stream().map(r -> {
            Tracked t = tracked.compute(r.name(), (n, old) -> {
                Instant since = r.healthy() ? null : old != null && old.failingSince() != null ? old.failingSince() : now;
                boolean newError = !r.lastError().isEmpty() && (old == null || !r.lastError().equals(old.lastError()) || !r.healthy() && old.failingSince() == null);
                return new Tracked(since, r.lastError(), newError ? now : old == null ? null : old.lastErrorAt());
            });
            long failing = t.failingSince() == null ? 0 : Duration.between(t.failingSince(), now).toSeconds();
            long newest = newestEventTime.applyAsLong(r.name());
            Double lag = newest == Long.MIN_VALUE || newest == Long.MAX_VALUE ? null : Math.max(0, now.toEpochMilli() / 1000.0 - newest);
            String status;
            if (!r.healthy()) {
                status = failing >= settings.downAfter().toSeconds() ? "down" : "failing";
            } else if (lag != null && !settings.maxLag().isZero() && lag > settings.maxLag().toSeconds()) {
                status = "lagging";
            } else {
                status = "ok";
            }
            return new View(r.name(), status, r.healthy(), t.lastError(), t.lastErrorAt(), failing, lag, errors.applyAsLong(r.name()));
        }).toList();
    }

    /** False when a source is down: {@code /health} then answers 503. */
    static boolean healthy(List<View> views) {
        return views.stream().noneMatch(v -> v.status().equals("down"));
    }

    /**
     * The {@code /health} body: {@code status} ok | degraded (a source failing or lagging) | down,
     * and per source {@code healthy}, {@code status}, {@code error} (while failing), {@code lastError}
     * and {@code lastErrorAt} (kept after recovery), {@code failingSeconds}, {@code lagSeconds} and
     * {@code errors}.
     */
    static String json(List<View> views) {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeStartObject();
            String overall = !healthy(views) ? "down" : views.stream().allMatch(v -> v.status().equals("ok")) ? "ok" : "degraded";
            g.writeStringField("status", overall);
            g.writeObjectFieldStart("sources");
            for (View v : views) {
                g.writeObjectFieldStart(v.name());
                g.writeBooleanField("healthy", v.healthy());
                g.writeStringField("status", v.status());
                if (!v.healthy()) {
                    g.writeStringField("error", v.lastError());
                    g.writeNumberField("failingSeconds", v.failingSeconds());
                }
                if (v.lastError() != null && !v.lastError().isEmpty()) {
                    g.writeStringField("lastError", v.lastError());
                    if (v.lastErrorAt() != null) {
                        g.writeStringField("lastErrorAt", v.lastErrorAt().toString());
                    }
                }
                if (v.lagSeconds() != null) {
                    g.writeNumberField("lagSeconds", Math.round(v.lagSeconds() * 10) / 10.0);
                }
                g.writeNumberField("errors", v.errors());
                g.writeEndObject();
            }
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w + "\n";
    }
}
