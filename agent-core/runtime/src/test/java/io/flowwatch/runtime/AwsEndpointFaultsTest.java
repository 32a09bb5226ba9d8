package io.flowwatch.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowwatch.plugin.cloudwatch.FakeCloudWatchLogs;
import io.flowwatch.runtime.config.ConfigLoader;
import io.flowwatch.runtime.plugin.PluginRuntime;
import io.prometheus.client.Collector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The agent with the real cloudwatch-logs plugin zip reading a local CloudWatch Logs endpoint that
 * speaks the service's wire protocol ({@link FakeCloudWatchLogs}), which is then made to throttle
 * (400 ThrottlingException), fail (500 InternalFailure) and answer slowly for a while: the source
 * backs off and counts the errors, {@code flowwatch_source_lag_seconds} grows while nothing comes
 * through, {@code /health} shows the source failing and then down (503) with its last error, and
 * afterwards the source catches up with every event read exactly once and {@code /health} is ok.
 */
class AwsEndpointFaultsTest {

    static PluginRuntime plugins;
    static final String GROUP = "/vpc/flow-logs";

    @TempDir
    Path dir;
    FakeCloudWatchLogs fake;
    Agent agent;
    final AtomicInteger sent = new AtomicInteger();
    final HttpClient http = HttpClient.newHttpClient();
    final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    static void loadPlugins() throws IOException {
        plugins = PluginRuntime.load(TestPlugins.dir());
        // The SDK's default credentials chain reads these first; the endpoint checks only that requests are signed.
        System.setProperty("aws.accessKeyId", "AKIDEXAMPLE");
        System.setProperty("aws.secretAccessKey", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    }

    @AfterAll
    static void closePlugins() {
        plugins.close();
    }

    @AfterEach
    void stop() {
        if (agent != null) {
            agent.close();
        }
        if (fake != null) {
            fake.close();
        }
    }

    /** {@code n} flow-log events stamped now, in two streams; each line is distinct (its srcport). */
    void put(int n) {
        long now = System.currentTimeMillis();
        fake.setIngestionClock(now);
        for (int i = 0; i < n; i++) {
            int k = sent.incrementAndGet();
            String eni = "eni-0a" + (k % 2);
            fake.put(GROUP, eni, now, "2 123456789012 " + eni + " 10.0.1.5 52.95.128.179 " + k + " 443 6 1 40 "
                    + now / 1000 + " " + (now / 1000 + 1) + " ACCEPT OK");
        }
    }

    @Test
    void throttlingServerErrorsAndSlowAnswersAreBackedOffShownInLagAndHealthAndCaughtUpWithNothingLostOrDoubled() throws Exception {
        fake = new FakeCloudWatchLogs();
        fake.createGroup(GROUP);
        put(100);
        String conf = """
                flowwatch {
                  state-dir = "%s"
                  plugins-dir = "%s"
                  http { port = 0, health { down-after = 3s } }
                  sources { vpc { type = cloudwatch-logs, log-group = "%s", region = eu-west-1, endpoint-override = "%s"
                                  start = earliest, poll-interval = 200ms, requests-per-second = 20
                                  backoff-min = 100ms, backoff-max = 1s, api-timeout = 10s } }
                }
                """.formatted(dir.resolve("state"), TestPlugins.dir(), GROUP, fake.endpoint());
        ConfigLoader.Loaded loaded = new ConfigLoader().loadString(conf, "test.conf", dir.resolve("agent.conf"));
        assertThat(loaded.problems()).isEmpty();
        agent = new Agent(loaded.config(), plugins.catalog(), Clock.systemUTC(), false);
        agent.start();

        await(Duration.ofSeconds(30), "the first 100 events", () -> parsed() == 100);
        JsonNode ok = health(200);
        assertThat(ok.at("/sources/vpc/status").asText()).isEqualTo("ok");
        assertThat(ok.at("/sources/vpc/lagSeconds").asDouble()).isLessThan(30);

        // Throttled: every FilterLogEvents answered 400 ThrottlingException; events keep arriving meanwhile.
        fake.failAll(FakeCloudWatchLogs.Fault.THROTTLE);
        put(20);
        await(Duration.ofSeconds(20), "/health showing the source failing", () -> health(-1).at("/sources/vpc/healthy").asBoolean(true) == false);
        JsonNode failing = health(-1);
        assertThat(failing.at("/sources/vpc/error").asText()).contains("ThrottlingException");
        assertThat(failing.at("/status").asText()).isIn("degraded", "down");
        double lagEarly = metric("flowwatch_source_lag_seconds", Map.of("source", "vpc"));

        // Then 500s.
        fake.failAll(FakeCloudWatchLogs.Fault.SERVER_ERROR);
        put(20);
        await(Duration.ofSeconds(20), "/health 503 once the source has failed longer than down-after", () -> status("/health") == 503);
        JsonNode down = health(503);
        assertThat(down.at("/status").asText()).isEqualTo("down");
        assertThat(down.at("/sources/vpc/status").asText()).isEqualTo("down");
        assertThat(down.at("/sources/vpc/failingSeconds").asLong()).isGreaterThanOrEqualTo(3);
        await(Duration.ofSeconds(20), "a 500 reported", () -> health(-1).at("/sources/vpc/lastError").asText().contains("500"));
        Thread.sleep(2000);
        double lagLate = metric("flowwatch_source_lag_seconds", Map.of("source", "vpc"));
        assertThat(lagLate).as("lag grows while nothing comes through").isGreaterThan(lagEarly + 2);
        assertThat(parsed()).as("nothing read during the fault").isEqualTo(100);

        // Then slow: every answer takes 2.5 s (within api-timeout), as an overloaded endpoint would.
        fake.failAll(null);
        fake.delay(Duration.ofMillis(2500));
        put(20);
        await(Duration.ofSeconds(60), "catching up through slow answers", () -> parsed() == 160);
        fake.delay(Duration.ZERO);
        put(10);
        await(Duration.ofSeconds(30), "the events after the fault", () -> parsed() == 170);
        await(Duration.ofSeconds(10), "/health ok again", () -> status("/health") == 200
                && health(200).at("/sources/vpc/status").asText().equals("ok"));
        JsonNode after = health(200);
        assertThat(after.at("/status").asText()).isEqualTo("ok");
        assertThat(after.at("/sources/vpc/lastError").asText()).as("the last error stays visible").isNotEmpty();
        assertThat(after.at("/sources/vpc/lagSeconds").asDouble()).isLessThan(lagLate);

        assertThat(metric("flowwatch_cloudwatch_throttled_total", Map.of("source", "vpc"))).isPositive();
        assertThat(metric("flowwatch_cloudwatch_server_errors_total", Map.of("source", "vpc"))).isPositive();
        assertThat(metric("flowwatch_aws_api_errors_total", Map.of("source", "vpc", "operation", "FilterLogEvents")))
                .as("%s", awsSamples()).isPositive();
        // Not asserted: flowwatch_aws_api_throttled_total stays absent for CloudWatch Logs' 400 ThrottlingException
        // (aws-common's interceptor does not see it as throttling; RELIABILITY.md, "Found by the outage tests").
        assertThat(metric("flowwatch_source_errors_total", Map.of("source", "vpc"))).isPositive();
        assertThat(fake.protocolViolations()).isEmpty();
        // Backed off: far fewer requests than 20 per second over the ~15 s of faults.
        long failed = fake.requests().stream().filter(r -> r.status() != 200).count();
        assertThat(failed).isBetween(5L, 150L);

        Thread.sleep(1500); // a few more scans over the overlap window: still nothing read twice
        assertThat(parsed()).isEqualTo(170);
    }

    String awsSamples() {
        StringBuilder b = new StringBuilder();
        for (Collector.MetricFamilySamples f : Collections.list(agent.registry().metricFamilySamples())) {
            for (Collector.MetricFamilySamples.Sample s : f.samples) {
                if (s.name.startsWith("flowwatch_aws") || s.name.startsWith("flowwatch_cloudwatch")) {
                    b.append(s.name).append(s.labelValues).append(' ').append(s.value).append('\n');
                }
            }
        }
        return b.toString();
    }

    double parsed() {
        return metric("flowwatch_records_parsed_total", Map.of("source", "vpc"));
    }

    /** A sample whose labels include {@code labels}; 0 when there is none. */
    double metric(String name, Map<String, String> labels) {
        for (Collector.MetricFamilySamples f : Collections.list(agent.registry().metricFamilySamples())) {
            for (Collector.MetricFamilySamples.Sample s : f.samples) {
                if (!s.name.equals(name)) {
                    continue;
                }
                boolean all = labels.entrySet().stream().allMatch(e -> {
                    int i = s.labelNames.indexOf(e.getKey());
                    return i >= 0 && s.labelValues.get(i).equals(e.getValue());
                });
                if (all) {
                    return s.value;
                }
            }
        }
        return 0;
    }

    int status(String path) throws IOException, InterruptedException {
        return get(path).statusCode();
    }

    /** The /health body; asserts the status code unless {@code expected} is -1. */
    JsonNode health(int expected) throws IOException, InterruptedException {
        HttpResponse<String> r = get("/health");
        if (expected != -1) {
            assertThat(r.statusCode()).as("/health: %s", r.body()).isEqualTo(expected);
        }
        return json.readTree(r.body());
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agent.httpPort() + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static void await(Duration timeout, String what, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!check.ok()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }
}
