package io.flowwatch.plugin.sns;

import com.samskivert.mustache.Template;
import com.typesafe.config.Config;
import io.flowwatch.api.config.ConfigReader;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code sns} notifier block, parsed and checked.
 *
 * @param topicArn         the topic, validated as an SNS topic ARN
 * @param region           the region to call (from the ARN unless configured)
 * @param endpointOverride another endpoint than AWS's, or null
 * @param timeout          the whole-call timeout of one Publish
 * @param statusUrl        status page base address, ending in '/'
 * @param message          compiled message template
 * @param subject          compiled subject template
 */
public record SnsNotifierConfig(String topicArn, String region, URI endpointOverride, Duration timeout,
                                String statusUrl, Template message, Template subject) {

    /** arn:partition:sns:region:account:name; names are 1-256 of [A-Za-z0-9_-], FIFO ones end in .fifo. */
    static final Pattern TOPIC_ARN = Pattern.compile(
            "arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc):sns:([a-z]{2}(?:-[a-z]+)+-\\d+):(\\d{12}):([A-Za-z0-9_-]{1,251}(?:\\.fifo)?)");
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(?:-[a-z]+)+-\\d+");

    public SnsNotifierConfig {
        Objects.requireNonNull(topicArn, "topicArn");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(statusUrl, "statusUrl");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(subject, "subject");
    }

    /** Whether the topic is a FIFO topic, which needs a message group id on every publish. */
    public boolean fifo() {
        return topicArn.endsWith(".fifo");
    }

    /** Reads a block (reference defaults applied); throws one exception listing every problem. */
    static SnsNotifierConfig read(Config config, String displayPrefix) {
        ConfigReader r = new ConfigReader(config, displayPrefix);
        String arn = r.string("topic-arn");
        String arnRegion = null;
        if (arn != null) {
            Matcher m = TOPIC_ARN.matcher(arn);
            if (m.matches()) {
                arnRegion = m.group(2);
            } else {
                r.problem("topic-arn", "expected an SNS topic ARN such as arn:aws:sns:eu-west-1:123456789012:alerts, got '" + arn + "'");
            }
        }
        String region = r.optionalString("region");
        if (region != null && !REGION.matcher(region).matches()) {
            r.problem("region", "expected an AWS region such as eu-west-1, got '" + region + "'");
        }
        if (region == null) {
            region = arnRegion;
        }
        URI endpoint = null;
        if (r.has("endpoint-override")) {
            endpoint = r.parsed("endpoint-override", "an absolute http or https URL", SnsNotifierConfig::httpUri);
        }
        int before = r.problems().size();
        Duration timeout = r.duration("timeout");
        if (r.problems().size() == before && timeout.isZero()) {
            r.problem("timeout", "expected a duration greater than zero, e.g. 10s");
        }
        String statusUrl = r.parsed("status-url", "an absolute http or https URL", s -> httpUri(s).toString());
        Template message = SnsAlertText.compile(r, "message-template", SnsAlertText.DEFAULT_MESSAGE);
        Template subject = SnsAlertText.compile(r, "subject-template", SnsAlertText.DEFAULT_SUBJECT);
        r.throwIfProblems();
        return new SnsNotifierConfig(arn, region, endpoint, timeout,
                statusUrl.endsWith("/") ? statusUrl : statusUrl + "/", message, subject);
    }

    static URI httpUri(String s) {
        URI u = URI.create(s);
        if (!u.isAbsolute() || u.getHost() == null || !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))) {
            throw new IllegalArgumentException("not an absolute http(s) URL: '" + s + "'");
        }
        return u;
    }
}
