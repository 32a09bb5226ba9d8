package io.flowwatch.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowwatch.runtime.config.ConfigLoader;
import io.flowwatch.runtime.plugin.PluginRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code http.health.max-lag}: a source whose newest record is older than that is "lagging" and
 * the overall status "degraded", still HTTP 200 (lag alone pages no one); without max-lag the same
 * source is "ok".
 */
class SourceHealthLagTest {

    static PluginRuntime plugins;

    @TempDir
    Path dir;

    @BeforeAll
    static void loadPlugins() throws IOException {
        plugins = PluginRuntime.load(TestPlugins.dir());
    }

    @AfterAll
    static void closePlugins() {
        plugins.close();
    }

    JsonNode healthWith(String maxLag) throws Exception {
        Path logs = Files.createDirectories(dir.resolve("flowlogs-" + maxLag));
        // Records from an hour ago.
        long start = System.currentTimeMillis() / 1000 - 3600;
        Files.writeString(logs.resolve("eni.log"), "2 123456789012 eni-0a1 10.0.1.5 52.95.128.179 1 443 6 1 40 "
                + start + " " + (start + 60) + " ACCEPT OK\n");
        String conf = """
                flowwatch {
                  state-dir = "%s"
                  plugins-dir = "%s"
                  http { port = 0, health { max-lag = %s } }
                  sources { local { type = directory, path = "%s", poll-interval = 100ms } }
                }
                """.formatted(dir.resolve("state-" + maxLag), TestPlugins.dir(), maxLag, logs);
        ConfigLoader.Loaded loaded = new ConfigLoader().loadString(conf, "test.conf", dir.resolve("agent.conf"));
        assertThat(loaded.problems()).isEmpty();
        Agent agent = new Agent(loaded.config(), plugins.catalog(), Clock.systemUTC(), false);
        agent.start();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < deadline) {
                Double parsed = agent.registry().getSampleValue("flowwatch_records_parsed_total", new String[]{"source"}, new String[]{"local"});
                if (parsed != null && parsed == 1) {
                    break;
                }
                Thread.sleep(50);
            }
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + agent.httpPort() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            return new ObjectMapper().readTree(r.body());
        } finally {
            agent.close();
        }
    }

    @Test
    void aSourceBehindMoreThanMaxLagIsLaggingAndDegradedButStill200() throws Exception {
        JsonNode h = healthWith("30m");
        assertThat(h.at("/status").asText()).isEqualTo("degraded");
        assertThat(h.at("/sources/local/status").asText()).isEqualTo("lagging");
        assertThat(h.at("/sources/local/healthy").asBoolean()).isTrue();
        assertThat(h.at("/sources/local/lagSeconds").asDouble()).isBetween(3600.0, 3700.0);
    }

    @Test
    void withoutMaxLagTheSameSourceIsOk() throws Exception {
        JsonNode h = healthWith("0s");
        assertThat(h.at("/status").asText()).isEqualTo("ok");
        assertThat(h.at("/sources/local/status").asText()).isEqualTo("ok");
        assertThat(h.at("/sources/local/errors").asLong()).isZero();
    }
}
