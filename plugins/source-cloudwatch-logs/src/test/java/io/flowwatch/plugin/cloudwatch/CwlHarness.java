package io.flowwatch.plugin.cloudwatch;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.flowwatch.api.source.LineChunk;
import io.flowwatch.api.source.Position;
import io.flowwatch.api.source.SourceBatch;
import io.flowwatch.testkit.MutableClock;
import io.flowwatch.testkit.TestPluginContext;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a real {@link CloudWatchLogsSource} (real SDK, endpoint overridden to a
 * {@link FakeCloudWatchLogs}) the way the runtime does: poll, keep the latest position per
 * partition as the runtime would commit it, and decode the chunks into delivered events.
 */
final class CwlHarness implements AutoCloseable {

    static final String GROUP = "/vpc/flow-logs";
    static final long T0 = 1_700_000_000_000L; // 2023-11-14T22:13:20Z
    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private static final AtomicInteger NAMES = new AtomicInteger();

    /** One event as handed over: parsed back out of the chunk's origin, bytes and fallback time. */
    record Delivered(String group, String stream, String eventId, String message, long fallbackEventTime, LineChunk chunk) {
    }

    final FakeCloudWatchLogs fake;
    final MutableClock clock;
    final TestPluginContext ctx;
    final CloudWatchLogsSource source;
    final List<Delivered> delivered = new ArrayList<>();
    final List<SourceBatch> batches = new ArrayList<>();
    /** Latest offset per partition, as the runtime would commit it. */
    final Map<String, String> positions = new HashMap<>();

    static {
        // The SDK's default chain reads these first; SigV4 needs some key, any key.
        System.setProperty("aws.accessKeyId", "AKIDEXAMPLE");
        System.setProperty("aws.secretAccessKey", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    }

    CwlHarness(FakeCloudWatchLogs fake, String hocon, Path stateDir) {
        this(fake, hocon, stateDir, new MutableClock(Instant.ofEpochMilli(T0)));
    }

    CwlHarness(FakeCloudWatchLogs fake, String hocon, Path stateDir, MutableClock clock) {
        this.fake = fake;
        this.clock = clock;
        this.ctx = new TestPluginContext("cwl" + NAMES.incrementAndGet(), clock, stateDir);
        this.source = (CloudWatchLogsSource) new CloudWatchLogsSourceFactory().create(config(fake, hocon), ctx);
    }

    static Config config(FakeCloudWatchLogs fake, String hocon) {
        return ConfigFactory.parseString(hocon)
                .withFallback(ConfigFactory.parseMap(Map.of(
                        "log-group", GROUP,
                        "region", "eu-west-1",
                        "endpoint-override", fake == null ? "http://127.0.0.1:9" : fake.endpoint().toString(),
                        "poll-interval", "20ms",
                        "requests-per-second", "50",
                        "backoff-min", "20ms",
                        "backoff-max", "80ms",
                        "api-timeout", "5s")))
                .withFallback(referenceDefaults())
                .resolve();
    }

    static Config referenceDefaults() {
        return ConfigFactory.parseResources(CloudWatchLogsSourceFactory.class.getClassLoader(), "reference.conf")
                .getConfig("flowwatch.defaults.sources.cloudwatch-logs");
    }

    CwlHarness open() throws IOException {
        return open(Map.of());
    }

    CwlHarness open(Map<String, String> committed) throws IOException {
        source.open(committed);
        return this;
    }

    /** One poll, recorded. */
    SourceBatch poll() throws IOException, InterruptedException {
        SourceBatch b = source.poll(Duration.ofMillis(200));
        record(b);
        return b;
    }

    void record(SourceBatch b) {
        batches.add(b);
        for (LineChunk c : b.chunks()) {
            String origin = c.origin();
            int at = origin.lastIndexOf('@');
            String path = origin.substring(0, at);
            int slash = path.lastIndexOf('/');
            String text = new String(c.data(), c.offset(), c.length(), StandardCharsets.UTF_8);
            delivered.add(new Delivered(path.substring(0, slash), path.substring(slash + 1), origin.substring(at + 1), text,
                    c.eventTimes() == null ? Long.MIN_VALUE : c.eventTimes()[0], c));
        }
        for (Position p : b.positions()) {
            positions.put(p.partition(), p.offset());
        }
    }

    /**
     * Polls until one whole scan has run: at least one request made and a caught-up batch after it.
     * Returns the events delivered meanwhile.
     */
    List<Delivered> scan() throws IOException, InterruptedException {
        int from = delivered.size();
        int requestsBefore = fake.requests().size();
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (System.nanoTime() < deadline) {
            SourceBatch b = poll();
            if (b.caughtUp() && fake.requests().size() > requestsBefore) {
                return List.copyOf(delivered.subList(from, delivered.size()));
            }
        }
        throw new AssertionError("no complete scan within " + PATIENCE + "; requests: " + fake.requests().size());
    }

    List<String> messages(List<Delivered> ds) {
        return ds.stream().map(Delivered::message).toList();
    }

    double metric(String name) {
        return ctx.metrics().value(name);
    }

    @Override
    public void close() throws IOException {
        source.close();
    }
}
