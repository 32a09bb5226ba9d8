package io.flowwatch.runtime.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class AthenaDdlCommandTest {

    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream oldOut;
    PrintStream oldErr;

    @BeforeEach
    void capture() {
        oldOut = System.out;
        oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(oldOut);
        System.setErr(oldErr);
    }

    @Test
    void theDefaultFormatTableWithDateProjectionAsAwsDocumentsIt() {
        int code = FlowwatchCommand.commandLine().execute("athena-ddl", "--bucket", "my-flow-logs", "--account", "123456789012",
                "--region", "eu-west-1,us-east-1", "--from-year", "2025");
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("""
                CREATE EXTERNAL TABLE IF NOT EXISTS `vpc_flow_logs` (
                  `version` int,
                  `account_id` string,
                  `interface_id` string,
                  `srcaddr` string,
                  `dstaddr` string,
                  `srcport` int,
                  `dstport` int,
                  `protocol` int,
                  `packets` bigint,
                  `bytes` bigint,
                  `start` bigint,
                  `end` bigint,
                  `action` string,
                  `log_status` string
                )
                PARTITIONED BY (`region` string, `year` int, `month` int, `day` int)
                ROW FORMAT DELIMITED
                FIELDS TERMINATED BY ' '
                LOCATION 's3://my-flow-logs/AWSLogs/123456789012/vpcflowlogs/'
                TBLPROPERTIES (
                  "skip.header.line.count"="1",
                  "projection.enabled"="true",
                  "projection.region.type"="enum",
                  "projection.region.values"="eu-west-1,us-east-1",
                  "projection.year.type"="integer",
                  "projection.year.range"="2025,2055",
                  "projection.month.type"="integer",
                  "projection.month.range"="1,12",
                  "projection.month.digits"="2",
                  "projection.day.type"="integer",
                  "projection.day.range"="1,31",
                  "projection.day.digits"="2",
                  "storage.location.template"="s3://my-flow-logs/AWSLogs/123456789012/vpcflowlogs/${region}/${year}/${month}/${day}"
                );
                """);
    }

    @Test
    void bucketPrefixAccountAndRegionComeFromTheS3SourceAndTheFormatFromTheOption(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("agent.conf");
        Files.writeString(conf, """
                flowwatch.sources.archive { type = s3, bucket = logs-bucket, prefix = "team-a/AWSLogs/", accounts = ["210987654321"], regions = [us-east-1] }
                """);
        int code = FlowwatchCommand.commandLine().execute("athena-ddl", "--config", conf.toString(), "--table", "flows",
                "--format", "${version} ${vpc-id} ${srcaddr} ${dstaddr} ${tcp-flags} ${bytes} ${start} ${end} ${action} ${log-status}");
        String ddl = out.toString(StandardCharsets.UTF_8);
        assertThat(code).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(ddl).startsWith("CREATE EXTERNAL TABLE IF NOT EXISTS `flows` (\n  `version` int,\n  `vpc_id` string,")
                .contains("  `tcp_flags` int,\n")
                .contains("LOCATION 's3://logs-bucket/team-a/AWSLogs/210987654321/vpcflowlogs/'")
                .contains("\"projection.region.values\"=\"us-east-1\"");
    }

    @Test
    void withoutALocationItSaysWhatIsMissing() {
        int code = FlowwatchCommand.commandLine().execute("athena-ddl", "--bucket", "b");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("needs the bucket, account and region");
    }
}
