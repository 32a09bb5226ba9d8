package io.flowwatch.plugin.cloudwatch;

import com.typesafe.config.ConfigFactory;
import io.flowwatch.api.FlowwatchException;
import io.flowwatch.api.record.FlowFormat;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class CloudWatchLogsSourceConfigTest {

    static CloudWatchLogsSourceConfig read(String hocon) {
        return CloudWatchLogsSourceConfig.read(ConfigFactory.parseString(hocon, com.typesafe.config.ConfigParseOptions.defaults()
                        .setOriginDescription("agent.conf")).withFallback(CwlHarness.referenceDefaults()).resolve(),
                "flowwatch.sources.vpc");
    }

    @Test
    void defaults() {
        CloudWatchLogsSourceConfig c = read("log-group = \"/vpc/flow-logs\"");
        assertThat(c.logGroup()).isEqualTo("/vpc/flow-logs");
        assertThat(c.logGroupIsArn()).isFalse();
        assertThat(c.streamPrefix()).isNull();
        assertThat(c.start().kind()).isEqualTo(CloudWatchLogsSourceConfig.Start.Kind.LATEST);
        assertThat(c.format()).isEqualTo(FlowFormat.DEFAULT);
        assertThat(c.pollInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.overlap()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.requestsPerSecond()).isEqualTo(2.0);
        assertThat(c.pageLimit()).isZero();
        assertThat(c.aws().region()).isNull();
        assertThat(c.aws().endpointOverride()).isNull();
    }

    @Test
    void startForms() {
        assertThat(read("log-group = g, start = earliest").start().kind()).isEqualTo(CloudWatchLogsSourceConfig.Start.Kind.EARLIEST);
        assertThat(read("log-group = g, start = \"2024-05-01T10:00:00Z\"").start().millis())
                .isEqualTo(Instant.parse("2024-05-01T10:00:00Z").toEpochMilli());
        assertThat(read("log-group = g, start = \"2024-05-01T12:00:00+02:00\"").start().millis())
                .isEqualTo(Instant.parse("2024-05-01T10:00:00Z").toEpochMilli());
        assertThat(read("log-group = g, start = \"2024-05-01\"").start().millis())
                .isEqualTo(Instant.parse("2024-05-01T00:00:00Z").toEpochMilli());
    }

    @Test
    void arnWithTrailingStarIsAccepted() {
        CloudWatchLogsSourceConfig c = read("log-group = \"arn:aws:logs:eu-west-1:123456789012:log-group:/vpc/fl:*\"");
        assertThat(c.logGroup()).isEqualTo("arn:aws:logs:eu-west-1:123456789012:log-group:/vpc/fl");
        assertThat(c.logGroupIsArn()).isTrue();
        assertThat(c.logGroupName()).isEqualTo("/vpc/fl");
    }

    @Test
    void everyProblemIsReportedAtOnceWithItsLocation() {
        FlowwatchException e = catchThrowableOfType(FlowwatchException.class, () -> read("""
                start = yesterday
                poll-interval = 0s
                requests-per-second = 0
                page-limit = 20000
                format = "${nosuchfield"
                backoff-min = 5s
                backoff-max = 1s
                region = "Europe"
                """));
        assertThat(e.problems()).extracting(FlowwatchException.Problem::key).containsExactlyInAnyOrder(
                "flowwatch.sources.vpc.log-group", "flowwatch.sources.vpc.start", "flowwatch.sources.vpc.poll-interval",
                "flowwatch.sources.vpc.requests-per-second", "flowwatch.sources.vpc.page-limit", "flowwatch.sources.vpc.format",
                "flowwatch.sources.vpc.backoff-max", "flowwatch.sources.vpc.region");
        assertThat(e.problems()).filteredOn(p -> p.key().endsWith(".start")).first()
                .satisfies(p -> {
                    assertThat(p.origin()).isEqualTo("agent.conf:1");
                    assertThat(p.message()).contains("latest, earliest or an ISO-8601 time", "yesterday");
                });
    }

    @Test
    void badLogGroupNames() {
        FlowwatchException e = catchThrowableOfType(FlowwatchException.class, () -> read("log-group = \"has space\""));
        assertThat(e.problems()).singleElement().satisfies(p -> assertThat(p.message()).contains("has space"));
        e = catchThrowableOfType(FlowwatchException.class, () -> read("log-group = \"arn:aws:s3:::bucket\""));
        assertThat(e.problems()).singleElement().satisfies(p -> assertThat(p.key()).endsWith("log-group"));
    }

    @Test
    void factoryTypeAndNoIoOnCreate() {
        CloudWatchLogsSourceFactory f = new CloudWatchLogsSourceFactory();
        assertThat(f.type()).isEqualTo("cloudwatch-logs");
        // Creating needs no endpoint: nothing listens on port 9, and no request is made.
        var src = f.create(CwlHarness.config(null, "start = earliest"),
                new io.flowwatch.testkit.TestPluginContext("x", java.time.Clock.systemUTC(), java.nio.file.Path.of("target")));
        assertThat(src).isInstanceOf(CloudWatchLogsSource.class);
    }
}
