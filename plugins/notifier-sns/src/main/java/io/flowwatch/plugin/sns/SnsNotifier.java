package io.flowwatch.plugin.sns;

import io.flowwatch.api.notify.Alert;
import io.flowwatch.api.notify.DeliveryResult;
import io.flowwatch.api.notify.Notifier;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.MessageAttributeValue;
import software.amazon.awssdk.services.sns.model.PublishRequest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Publishes each alert to one SNS topic: one {@code Publish} call per {@link #deliver}, with the
 * SDK's own retries switched off (the runtime's outbox retries, with backoff and rate limits).
 *
 * <p>The client is built at the first delivery, not in the factory, because building it resolves
 * credentials and may reach the instance metadata service; it is then reused until {@link #close}.
 */
final class SnsNotifier implements Notifier {

    /** Error codes that mean "later": SNS's own throttling answers (429 and some 400s). */
    private static final Set<String> THROTTLING = Set.of("Throttled", "Throttling", "ThrottlingException",
            "TooManyRequestsException", "RequestThrottled", "KMSThrottling", "RequestLimitExceeded");
    /** Error codes that can pass later although SNS answers 4xx: credentials refresh, clocks resync. */
    private static final Set<String> TRANSIENT_4XX = Set.of("ExpiredToken", "RequestExpired", "RequestTimeout",
            "KMSOptInRequired", "KMSInvalidState");

    private final SnsNotifierConfig config;
    private final Supplier<AwsCredentialsProvider> credentials;
    private AwsCredentialsProvider provider;
    private SnsClient client;

    /** @param credentials supplies the provider when the client is first built (the default chain in production) */
    SnsNotifier(SnsNotifierConfig config, Supplier<AwsCredentialsProvider> credentials) {
        this.config = config;
        this.credentials = credentials;
    }

    @Override
    public synchronized DeliveryResult deliver(Alert alert) {
        Map<String, MessageAttributeValue> attributes = new LinkedHashMap<>();
        attributes.put("severity", stringAttribute(alert.severity().configName()));
        attributes.put("rule", stringAttribute(alert.rule()));
        attributes.put("state", stringAttribute(alert.state().wireName()));
        int attributeBytes = 0;
        for (Map.Entry<String, MessageAttributeValue> e : attributes.entrySet()) {
            attributeBytes += SnsAlertText.utf8Length(e.getKey()) + SnsAlertText.utf8Length(e.getValue().dataType())
                    + SnsAlertText.utf8Length(e.getValue().stringValue());
        }
        PublishRequest.Builder request = PublishRequest.builder()
                .topicArn(config.topicArn())
                .subject(SnsAlertText.subject(config.subject(), alert, config.statusUrl()))
                .message(SnsAlertText.message(config.message(), alert, config.statusUrl(),
                        SnsAlertText.MAX_PUBLISH_BYTES - attributeBytes))
                .messageAttributes(attributes);
        if (config.fifo()) {
            // FIFO topics refuse a publish without a group; a redelivery after a crash carries the same
            // de-duplication id, so SNS drops it within its 5-minute window.
            request.messageGroupId(groupId(alert.rule()))
                    .messageDeduplicationId(sha256(alert.id() + "\n" + alert.state().wireName()));
        }
        try {
            client().publish(request.build());
            return DeliveryResult.delivered();
        } catch (AwsServiceException e) {
            return classify(e);
        } catch (SdkException e) {
            // Network failures, timeouts, credentials not (yet) available from the chain: all may pass.
            return DeliveryResult.retry("SNS " + config.topicArn() + ": " + e.getMessage(), null);
        }
    }

    static DeliveryResult classify(AwsServiceException e) {
        AwsErrorDetails d = e.awsErrorDetails();
        String code = d == null || d.errorCode() == null ? "" : d.errorCode();
        int status = e.statusCode();
        String detail = "SNS answered " + status + " " + code + ": " + (d == null ? e.getMessage() : d.errorMessage());
        if (status == 429 || THROTTLING.contains(code) || e.isThrottlingException()) {
            Duration after = d == null || d.sdkHttpResponse() == null ? null
                    : d.sdkHttpResponse().firstMatchingHeader("Retry-After").map(SnsNotifier::seconds).orElse(null);
            return DeliveryResult.retry(detail, after);
        }
        if (status >= 500 || TRANSIENT_4XX.contains(code)) {
            return DeliveryResult.retry(detail, null);
        }
        // AuthorizationError, NotFound, InvalidParameter, InvalidClientTokenId and the other 4xx: fix config.
        return DeliveryResult.permanentFailure(detail);
    }

    private SnsClient client() {
        if (client == null) {
            var builder = SnsClient.builder()
                    .region(Region.of(config.region()))
                    .credentialsProvider(provider = credentials.get())
                    .httpClientBuilder(UrlConnectionHttpClient.builder()
                            .connectionTimeout(config.timeout())
                            .socketTimeout(config.timeout()))
                    .overrideConfiguration(o -> o
                            .retryStrategy(AwsRetryStrategy.doNotRetry())
                            .apiCallTimeout(config.timeout()));
            if (config.endpointOverride() != null) {
                builder.endpointOverride(config.endpointOverride());
            }
            client = builder.build();
        }
        return client;
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
            client = null;
        }
        // The client leaves a provider it was given open; the default chain may hold refresh threads.
        if (provider instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                // closing is best effort on shutdown
            }
            provider = null;
        }
    }

    private static MessageAttributeValue stringAttribute(String value) {
        return MessageAttributeValue.builder().dataType("String").stringValue(value).build();
    }

    /** SNS group ids: up to 128 of a-z, A-Z, 0-9 and punctuation; rule names almost always fit. */
    static String groupId(String rule) {
        String g = rule.replaceAll("[^\\x21-\\x7e]", "_");
        return g.length() <= 128 ? g : g.substring(0, 128);
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static Duration seconds(String retryAfter) {
        try {
            long s = Long.parseLong(retryAfter.trim());
            return s >= 0 ? Duration.ofSeconds(s) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
