package io.flowwatch.plugin.aws;

import io.flowwatch.api.PluginMetrics;
import io.flowwatch.api.config.ConfigReader;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;

/**
 * The AWS keys every AWS plugin block shares:
 * <pre>{@code
 * region = eu-west-1                 # default: the SDK's region chain (AWS_REGION, profile, instance metadata)
 * profile = null                     # a named profile from ~/.aws; default: the SDK's default provider chain
 * role-arn = null                    # a role to assume (STS AssumeRole) on top of those credentials
 * role-session-name = flowwatch
 * endpoint-override = null           # e.g. http://127.0.0.1:9000 for S3-compatible stores and local endpoints
 * api-timeout = 30s                  # whole-call timeout, including the SDK's own retries
 * }</pre>
 */
public record AwsClientSettings(String region, URI endpointOverride, String profile, String roleArn, String roleSessionName,
                                Duration apiTimeout) {

    /** Reads the shared keys from a plugin block; problems go to {@code r}. */
    public static AwsClientSettings read(ConfigReader r) {
        String region = r.optionalString("region");
        if (region != null && !region.matches("[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\\d")) {
            r.problem("region", "expected an AWS region name such as eu-west-1, got '" + region + "'");
        }
        URI endpoint = null;
        String e = r.optionalString("endpoint-override");
        if (e != null && !e.isBlank()) {
            try {
                endpoint = new URI(e);
                if (endpoint.getScheme() == null || !(endpoint.getScheme().equals("http") || endpoint.getScheme().equals("https"))
                        || endpoint.getHost() == null) {
                    r.problem("endpoint-override", "expected an http(s) URL such as http://127.0.0.1:9000, got '" + e + "'");
                }
            } catch (URISyntaxException ex) {
                r.problem("endpoint-override", "expected an http(s) URL such as http://127.0.0.1:9000, got '" + e + "'");
            }
        }
        String profile = r.optionalString("profile");
        String role = r.optionalString("role-arn");
        if (role != null && !role.matches("arn:aws[a-z-]*:iam::\\d{12}:role/.+")) {
            r.problem("role-arn", "expected a role ARN such as arn:aws:iam::123456789012:role/flowwatch, got '" + role + "'");
        }
        String session = r.has("role-session-name") ? r.string("role-session-name") : "flowwatch";
        Duration timeout = r.has("api-timeout") ? r.duration("api-timeout") : Duration.ofSeconds(30);
        return new AwsClientSettings(region, endpoint, profile, role, session, timeout);
    }

    /** The credentials: a profile or the default chain, then the assumed role when one is set. */
    public AwsCredentialsProvider credentials() {
        AwsCredentialsProvider base = profile != null ? ProfileCredentialsProvider.create(profile) : DefaultCredentialsProvider.builder().build();
        if (roleArn == null) {
            return base;
        }
        StsClient sts = configureBase(StsClient.builder(), base).build();
        return StsAssumeRoleCredentialsProvider.builder().stsClient(sts)
                .refreshRequest(req -> req.roleArn(roleArn).roleSessionName(roleSessionName)).build();
    }

    /**
     * Applies region, endpoint, credentials, the URL-connection HTTP client, the call timeout and
     * call metrics ({@code aws_api_calls_total{operation}}, {@code aws_api_errors_total{operation}}).
     */
    public <B extends AwsClientBuilder<B, C>, C> B configure(B builder, PluginMetrics metrics) {
        configureBase(builder, credentials());
        builder.overrideConfiguration(ClientOverrideConfiguration.builder()
                .apiCallTimeout(apiTimeout)
                .addExecutionInterceptor(new ApiCallMetrics(metrics))
                .build());
        return builder;
    }

    private <B extends AwsClientBuilder<B, C>, C> B configureBase(B builder, AwsCredentialsProvider creds) {
        if (region != null) {
            builder.region(Region.of(region));
        }
        if (endpointOverride != null) {
            builder.endpointOverride(endpointOverride);
        }
        builder.credentialsProvider(creds);
        if (builder instanceof software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder<?, ?> sync) {
            sync.httpClientBuilder(UrlConnectionHttpClient.builder());
        }
        return builder;
    }
}
