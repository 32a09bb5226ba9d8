package io.flowwatch.plugin.duckdb;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.flowwatch.api.FlowwatchException;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DuckdbQueryEngineConfigTest {

    static Config block(String text) {
        return ConfigFactory.parseString(text, com.typesafe.config.ConfigParseOptions.defaults().setOriginDescription("agent.conf"))
                .withFallback(ConfigFactory.parseResources(DuckdbQueryEngineConfigTest.class.getClassLoader(), "reference.conf")
                        .getConfig("flowwatch.defaults.query-engines.duckdb"));
    }

    @Test
    void defaultsFromReferenceConf() {
        DuckdbQueryEngineConfig c = DuckdbQueryEngineConfig.read(block("path = data/flowlogs"), "flowwatch.query-engines.default");
        assertThat(c.path()).isEqualTo(Path.of("data/flowlogs"));
        assertThat(c.threads()).isEqualTo(2);
        assertThat(c.memoryLimit()).isEqualTo(1024L * 1024 * 1024);
        assertThat(c.rowLimit()).isEqualTo(10_000);
        assertThat(c.timeout()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void everyProblemIsReportedAtOnceWithItsKeyAndLine() {
        assertThatThrownBy(() -> DuckdbQueryEngineConfig.read(block("threads = 0\nmemory-limit = 1MiB\ntimeout = 0s\nrow-limit = x\nformat = \"${nope\""),
                "flowwatch.query-engines.default"))
                .isInstanceOf(FlowwatchException.class)
                .satisfies(e -> assertThat(((FlowwatchException) e).problems()).hasSize(6))
                .hasMessageContaining("flowwatch.query-engines.default.path: expected the flow-log directory, such as \"data/flowlogs\", but the key is missing")
                .hasMessageContaining("agent.conf:1: flowwatch.query-engines.default.threads: expected an integer from 1 to 256, got 0")
                .hasMessageContaining("agent.conf:2: flowwatch.query-engines.default.memory-limit: expected a size of at least 64MiB")
                .hasMessageContaining("agent.conf:3: flowwatch.query-engines.default.timeout")
                .hasMessageContaining("agent.conf:4: flowwatch.query-engines.default.row-limit")
                .hasMessageContaining("agent.conf:5: flowwatch.query-engines.default.format");
    }
}
