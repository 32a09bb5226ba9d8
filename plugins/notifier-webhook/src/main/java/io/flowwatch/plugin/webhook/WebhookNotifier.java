package io.flowwatch.plugin.webhook;

import io.flowwatch.api.PluginContext;
import io.flowwatch.api.notify.Alert;
import io.flowwatch.api.notify.DeliveryResult;
import io.flowwatch.api.notify.Notifier;
import io.flowwatch.plugin.support.http.HttpOutcome;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Posts one alert per {@link #deliver} call: body = the alert JSON; with {@code hmac-secret},
 * {@code X-Flowwatch-Timestamp: <unix seconds>} and
 * {@code X-Flowwatch-Signature: sha256=<hex HMAC-SHA256 over "<timestamp>.<body bytes>">}.
 *
 * <p>One {@link HttpClient} per notifier (its connection pool is reused between alerts); the
 * runtime calls {@code deliver} from one thread, and this class neither retries nor sleeps.
 */
public final class WebhookNotifier implements Notifier {

    static final String SIGNATURE_HEADER = "X-Flowwatch-Signature";
    static final String TIMESTAMP_HEADER = "X-Flowwatch-Timestamp";
    static final String USER_AGENT = "flowwatch-notifier-webhook";

    private final WebhookNotifierConfig config;
    private final Clock clock;
    private final ExecutorService executor;
    private final HttpClient client;
    private final SecretKeySpec hmacKey;

    WebhookNotifier(WebhookNotifierConfig config, PluginContext ctx) {
        this.config = config;
        this.clock = ctx.clock();
        // The client's own helper threads get the runtime's names; close() stops them.
        this.executor = Executors.newCachedThreadPool(ctx.threadFactory());
        this.client = HttpClient.newBuilder()
                .connectTimeout(config.timeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(executor)
                .build();
        this.hmacKey = config.hmacSecret() == null ? null
                : new SecretKeySpec(config.hmacSecret().getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    }

    public WebhookNotifierConfig config() {
        return config;
    }

    @Override
    public DeliveryResult deliver(Alert alert) {
        byte[] body = AlertPayload.toJson(alert);
        HttpRequest.Builder request = HttpRequest.newBuilder(config.url())
                .timeout(config.timeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (config.headers().keySet().stream().noneMatch("User-Agent"::equalsIgnoreCase)) {
            request.header("User-Agent", USER_AGENT);
        }
        for (Map.Entry<String, String> h : config.headers().entrySet()) {
            request.header(h.getKey(), h.getValue());
        }
        if (hmacKey != null) {
            String timestamp = Long.toString(clock.instant().getEpochSecond());
            request.header(TIMESTAMP_HEADER, timestamp);
            request.header(SIGNATURE_HEADER, "sha256=" + sign(timestamp, body));
        }
        return HttpOutcome.attempt(client, request.build(), clock);
    }

    /** Hex HMAC-SHA256 of {@code timestamp + "." + body}: the timestamp is signed so a captured request cannot be replayed later. */
    String sign(String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(hmacKey);
            mac.update(timestamp.getBytes(StandardCharsets.US_ASCII));
            mac.update((byte) '.');
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            // Every Java 17 runtime has HmacSHA256 and the key is never empty (config checks it).
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
