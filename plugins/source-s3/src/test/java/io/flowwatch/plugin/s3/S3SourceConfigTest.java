package io.flowwatch.plugin.s3;

import com.typesafe.config.ConfigFactory;
import io.flowwatch.api.FlowwatchException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.LocalDate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class S3SourceConfigTest {

    private static S3SourceConfig read(String hocon) {
        return S3SourceConfig.read(ConfigFactory.parseString(hocon, com.typesafe.config.ConfigParseOptions.defaults()
                        .setOriginDescription("agent.conf"))
                .withFallback(S3Harness.referenceDefaults()).resolve(), "flowwatch.sources.archive");
    }

    @Test
    void defaultsFromReferenceConf() {
        S3SourceConfig c = read("bucket = my-flow-logs");
        assertThat(c.bucket()).isEqualTo("my-flow-logs");
        assertThat(c.layout()).isEqualTo(new S3Layout("AWSLogs/", null, null));
        assertThat(c.accounts()).isEmpty();
        assertThat(c.regions()).isEmpty();
        assertThat(c.from()).isNull();
        assertThat(c.to()).isNull();
        assertThat(c.pollInterval()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.lateDays()).isEqualTo(1);
        assertThat(c.lateMargin()).isEqualTo(Duration.ofMinutes(15));
        assertThat(c.expectedBucketOwner()).isNull();
        assertThat(c.pathStyle()).isFalse();
        assertThat(c.format()).isNull();
        assertThat(c.chunkSize()).isEqualTo(1024 * 1024);
        assertThat(c.readAhead()).isEqualTo(4);
        assertThat(c.aws().region()).isNull();
        assertThat(c.aws().endpointOverride()).isNull();
    }

    @Test
    void everyKeyIsRead() {
        S3SourceConfig c = read("""
                bucket = b1, prefix = "AWSLogs/123456789012/vpcflowlogs/eu-west-1", regions = [eu-west-1]
                from = "2024-05-01", to = "2024-05-03", poll-interval = 30s, late-days = 2, late-margin = 5m
                expected-bucket-owner = "123456789012", path-style = true, format = "${version} ${srcaddr}"
                chunk-size = 64KiB, read-ahead = 2, region = eu-west-1, endpoint-override = "http://127.0.0.1:9000"
                """);
        assertThat(c.layout()).isEqualTo(new S3Layout("AWSLogs/", "123456789012", "eu-west-1"));
        assertThat(c.accounts()).containsExactly("123456789012");
        assertThat(c.regions()).containsExactly("eu-west-1");
        assertThat(c.from()).isEqualTo(LocalDate.of(2024, 5, 1));
        assertThat(c.to()).isEqualTo(LocalDate.of(2024, 5, 3));
        assertThat(c.lateDays()).isEqualTo(2);
        assertThat(c.expectedBucketOwner()).isEqualTo("123456789012");
        assertThat(c.pathStyle()).isTrue();
        assertThat(c.format().spec()).isEqualTo("${version} ${srcaddr}");
        assertThat(c.aws().endpointOverride().toString()).isEqualTo("http://127.0.0.1:9000");
    }

    @Test
    void everyProblemIsReportedAtOnceWithItsLocation() {
        assertThatThrownBy(() -> read("""
                bucket = "Bad_Bucket!"
                prefix = "AWSLogs/12345/vpcflowlogs/"
                accounts = [abc]
                from = "yesterday"
                poll-interval = 0s
                late-days = 9
                late-margin = 2h
                expected-bucket-owner = "me"
                chunk-size = 10
                region = "mars"
                """))
                .isInstanceOf(FlowwatchException.class)
                .satisfies(e -> {
                    String m = e.getMessage();
                    assertThat(m).contains("agent.conf:1:", "flowwatch.sources.archive.bucket")
                            .contains("agent.conf:2:", "12-digit account id after AWSLogs/")
                            .contains("flowwatch.sources.archive.accounts").contains("'yesterday'")
                            .contains("flowwatch.sources.archive.poll-interval").contains("late-days")
                            .contains("late-margin").contains("expected-bucket-owner").contains("chunk-size")
                            .contains("flowwatch.sources.archive.region");
                });
        assertThatThrownBy(() -> read("{}")).hasMessageContaining("bucket").hasMessageContaining("missing");
        assertThatThrownBy(() -> read("bucket = b, from = \"2024-05-03\", to = \"2024-05-01\""))
                .hasMessageContaining("on or after from");
    }

    @Test
    void prefixForms() {
        assertThat(S3Layout.parse("")).isEqualTo(new S3Layout("AWSLogs/", null, null));
        assertThat(S3Layout.parse("team-a")).isEqualTo(new S3Layout("team-a/AWSLogs/", null, null));
        assertThat(S3Layout.parse("team-a/AWSLogs/")).isEqualTo(new S3Layout("team-a/AWSLogs/", null, null));
        assertThat(S3Layout.parse("AWSLogs/123456789012/")).isEqualTo(new S3Layout("AWSLogs/", "123456789012", null));
        assertThat(S3Layout.parse("AWSLogs/aws-account-id=123456789012/aws-service=vpcflowlogs/aws-region=us-east-2/"))
                .isEqualTo(new S3Layout("AWSLogs/", "123456789012", "us-east-2"));
        assertThatThrownBy(() -> S3Layout.parse("/AWSLogs/")).hasMessageContaining("do not start with '/'");
        assertThatThrownBy(() -> S3Layout.parse("AWSLogs/123456789012/vpcflowlogs/eu-west-1/2024/"))
                .hasMessageContaining("from and to");
    }

    @Test
    void dayOfKeysInBothLayouts() {
        S3Layout.Partition plain = new S3Layout.Partition("1", "r", false, "p/");
        S3Layout.Partition hive = new S3Layout.Partition("1", "r", true, "p/");
        assertThat(plain.dayOf("2024/05/02/x.log.gz")).isEqualTo(LocalDate.of(2024, 5, 2));
        assertThat(plain.dayOf("2024/05/02/10/x.log.gz")).isEqualTo(LocalDate.of(2024, 5, 2));
        assertThat(plain.dayOf("notes/x.log.gz")).isNull();
        assertThat(plain.dayOf("2024/13/02/x.log.gz")).isNull();
        assertThat(hive.dayOf("year=2024/month=05/day=02/hour=10/x.log.gz")).isEqualTo(LocalDate.of(2024, 5, 2));
        assertThat(hive.dayOf("2024/05/02/x.log.gz")).isNull();
        assertThat(plain.dayPath(LocalDate.of(2024, 5, 2))).isEqualTo("2024/05/02/");
        assertThat(hive.dayPath(LocalDate.of(2024, 5, 2))).isEqualTo("year=2024/month=05/day=02/");
    }
}
