package io.flowwatch.plugin.support.http;

import io.flowwatch.api.notify.DeliveryResult;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * One HTTP exchange and what it means for the outbox: 2xx delivered; 408, 429 and 5xx retry
 * (honouring Retry-After); network failures retry; any other answer is permanent. Slack, for
 * one, answers errors as a short text ({@code invalid_token}, {@code channel_not_found}) with 400,
 * 403, 404 or 410, and throttles with 429 and Retry-After. Shared by the HTTP notifiers (webhook,
 * Slack; Alertmanager uses its status and Retry-After rules with messages of its own), each of
 * which bundles its own copy of this library.
 */
public final class HttpOutcome {

    /** Enough of an error body to show the receiver's reason without storing a whole page. */
    public static final int EXCERPT_BYTES = 200;
    /** A Retry-After beyond this is treated as this: a receiver must not park an alert for days. */
    static final Duration MAX_RETRY_AFTER = Duration.ofHours(1);

    private HttpOutcome() {
    }

    /** Sends {@code request} once; never throws for receiver or network failures. */
    public static DeliveryResult attempt(HttpClient client, HttpRequest request, Clock clock) {
        HttpResponse<InputStream> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpConnectTimeoutException e) {
            return DeliveryResult.retry("connect timed out", null);
        } catch (HttpTimeoutException e) {
            return DeliveryResult.retry("no answer within the timeout", null);
        } catch (ConnectException e) {
            return DeliveryResult.retry("connection failed: " + message(e), null);
        } catch (IOException e) {
            return DeliveryResult.retry("I/O error: " + message(e), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return DeliveryResult.retry("interrupted", null);
        }
        int status = response.statusCode();
        String excerpt = excerpt(response.body());
        String retryAfter = response.headers().firstValue("Retry-After").orElse(null);
        return classify(status, excerpt, retryAfter, clock);
    }

    static DeliveryResult classify(int status, String excerpt, String retryAfterHeader, Clock clock) {
        String detail = "HTTP " + status + (excerpt.isEmpty() ? "" : ": " + excerpt);
        if (status >= 200 && status < 300) {
            return DeliveryResult.delivered();
        }
        if (retryable(status)) {
            return DeliveryResult.retry(detail, retryAfter(retryAfterHeader, clock));
        }
        // 1xx/3xx are answers we cannot act on (redirects are not followed: a moved endpoint
        // is a config change), and other 4xx will not pass by trying again.
        return DeliveryResult.permanentFailure(detail);
    }

    /** Whether an HTTP status may pass later (408, 429, 5xx), so that delivery is tried again. */
    public static boolean retryable(int status) {
        return status == 408 || status == 429 || (status >= 500 && status < 600);
    }

    /**
     * Retry-After as delay-seconds or an HTTP-date (RFC 9110 10.2.3), at most {@link #MAX_RETRY_AFTER};
     * null when absent or unreadable.
     */
    public static Duration retryAfter(String header, Clock clock) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String h = header.strip();
        Duration d;
        if (h.chars().allMatch(Character::isDigit)) {
            try {
                d = Duration.ofSeconds(Long.parseLong(h));
            } catch (NumberFormatException e) {
                d = MAX_RETRY_AFTER;
            }
        } else {
            try {
                Instant at = ZonedDateTime.parse(h, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                d = Duration.between(clock.instant(), at);
            } catch (DateTimeParseException e) {
                return null;
            }
        }
        if (d.isNegative()) {
            return Duration.ZERO;
        }
        return d.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : d;
    }

    /** The first bytes of the body on one line; reading stops early and the rest is discarded. */
    static String excerpt(InputStream body) {
        byte[] bytes;
        try (InputStream in = body) {
            bytes = in.readNBytes(EXCERPT_BYTES);
        } catch (IOException e) {
            return "";
        }
        String s = new String(bytes, StandardCharsets.UTF_8);
        // The body is the receiver's text: keep it from breaking log lines.
        return s.replaceAll("[\\p{Cntrl}\\s]+", " ").strip();
    }

    private static String message(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
