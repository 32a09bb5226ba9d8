package io.flowwatch.plugin.athena;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import io.flowwatch.api.FlowwatchException;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class AthenaQueryEngineConfigTest {

    static Config block(String hocon) {
        return ConfigFactory.parseString(hocon, ConfigParseOptions.defaults().setOriginDescription("agent.conf"))
                .withFallback(ConfigFactory.parseResources(AthenaQueryEngineFactory.class.getClassLoader(), "reference.conf")
                        .getConfig("flowwatch.defaults.query-engines.athena"))
                .resolve();
    }

    @Test
    void theDefaultsAreUsable() {
        AthenaQueryEngineConfig c = AthenaQueryEngineConfig.read(block(""), "flowwatch.query-engines.athena");
        assertThat(c.database()).isEqualTo("default");
        assertThat(c.table()).isEqualTo("vpc_flow_logs");
        assertThat(c.tableRef()).isEqualTo("\"default\".\"vpc_flow_logs\"");
        assertThat(c.workgroup()).isEqualTo("primary");
        assertThat(c.outputLocation()).isNull();
        assertThat(c.resultReuse()).isZero();
        assertThat(c.pollInitial()).isEqualTo(Duration.ofMillis(200));
        assertThat(c.pollMax()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.timeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.maxBytesScanned()).isZero();
    }

    @Test
    void everyProblemIsReportedAtOnceWithItsLine() {
        FlowwatchException e = catchThrowableOfType(FlowwatchException.class, () -> AthenaQueryEngineConfig.read(block(
                "database = \"a\\\"b\"\n"
                        + "table = \"flow logs\"\n"
                        + "workgroup = \"work group\"\n"
                        + "output-location = \"https://bucket/x\"\n"
                        + "poll-initial = 2s\n"
                        + "poll-max = 1s\n"
                        + "timeout = 0s\n"
                        + "result-reuse = 30d\n"
                        + "row-limit = 0\n"
                        + "max-bytes-scanned = lots\n"), "flowwatch.query-engines.athena"));
        assertThat(e.problems()).extracting(FlowwatchException.Problem::key).containsExactlyInAnyOrder(
                "flowwatch.query-engines.athena.database", "flowwatch.query-engines.athena.table",
                "flowwatch.query-engines.athena.workgroup", "flowwatch.query-engines.athena.output-location",
                "flowwatch.query-engines.athena.poll-max", "flowwatch.query-engines.athena.timeout",
                "flowwatch.query-engines.athena.result-reuse", "flowwatch.query-engines.athena.row-limit",
                "flowwatch.query-engines.athena.max-bytes-scanned");
        assertThat(e.getMessage()).contains("agent.conf:1: flowwatch.query-engines.athena.database: expected a database name")
                .contains("agent.conf:4: flowwatch.query-engines.athena.output-location: expected an S3 URI")
                .contains("agent.conf:6: flowwatch.query-engines.athena.poll-max: expected a duration of at least poll-initial");
    }

    @Test
    void resultReuseAndTheScanLimitAreRead() {
        AthenaQueryEngineConfig c = AthenaQueryEngineConfig.read(block(
                "result-reuse = 2h, max-bytes-scanned = 10GiB, output-location = \"s3://my-athena-results/fw/\""), "x");
        assertThat(c.resultReuse()).isEqualTo(Duration.ofHours(2));
        assertThat(c.maxBytesScanned()).isEqualTo(10L << 30);
        assertThat(c.outputLocation()).isEqualTo("s3://my-athena-results/fw/");
    }
}
