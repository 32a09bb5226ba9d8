package io.flowwatch.plugin.s3;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.source.LineChunk;
import io.flowwatch.api.source.Position;
import io.flowwatch.api.source.SourceBatch;
import io.flowwatch.testkit.MutableClock;
import io.flowwatch.testkit.TestPluginContext;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.zip.GZIPOutputStream;

/**
 * Runs a real {@link S3Source} against an {@link S3TestServer} the way the runtime does (poll,
 * remember positions) and decodes what it hands over into numbered lines.
 */
final class S3Harness implements AutoCloseable {

    /** One non-blank line as handed over: origin, real line number, text, chunk format. */
    record Line(String origin, long number, String text, FlowFormat format) {
    }

    static final String ACCOUNT = "123456789012";
    static final String ACCOUNT2 = "210987654321";
    static final String REGION = "eu-west-1";
    static final String REGION2 = "us-east-1";
    static final LocalDate DAY = LocalDate.of(2024, 5, 2);
    static final String HEADER = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";
    static final Duration POLL = Duration.ofMillis(300);
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final AtomicInteger NAMES = new AtomicInteger();

    final String bucket;
    final MutableClock clock;
    final TestPluginContext ctx;
    final S3Source source;
    final List<Line> lines = new ArrayList<>();
    /** Latest offset per partition, as the runtime would commit them. */
    final Map<String, String> positions = new HashMap<>();

    S3Harness(S3TestServer server, String bucket, String hocon, Path stateDir) {
        this.bucket = bucket;
        this.clock = new MutableClock(DAY.plusDays(1).atStartOfDay().toInstant(java.time.ZoneOffset.UTC).plusSeconds(3600));
        this.ctx = new TestPluginContext("s3-" + NAMES.incrementAndGet(), clock, stateDir);
        this.source = (S3Source) new S3SourceFactory().create(config(server, bucket, hocon), ctx);
    }

    static Config config(S3TestServer server, String bucket, String hocon) {
        return ConfigFactory.parseString(hocon)
                .withFallback(ConfigFactory.parseMap(Map.of("bucket", bucket, "poll-interval", "50ms",
                        "region", "us-east-1", "path-style", true, "from", DAY.minusDays(1).toString(),
                        "endpoint-override", server == null ? "http://127.0.0.1:1" : server.endpoint())))
                .withFallback(referenceDefaults())
                .resolve();
    }

    static Config referenceDefaults() {
        return ConfigFactory.parseResources(S3SourceFactory.class.getClassLoader(), "reference.conf")
                .getConfig("flowwatch.defaults.sources.s3");
    }

    S3Harness open() throws IOException {
        return open(Map.of());
    }

    S3Harness open(Map<String, String> committed) throws IOException {
        source.open(committed);
        positions.putAll(committed);
        return this;
    }

    SourceBatch poll(Duration maxWait) throws Exception {
        SourceBatch b = source.poll(maxWait);
        for (LineChunk c : b.chunks()) {
            lines.addAll(decode(c));
        }
        for (Position p : b.positions()) {
            positions.put(p.partition(), p.offset());
        }
        return b;
    }

    /** Polls until a caught-up batch and returns the lines handed over meanwhile. */
    List<Line> drain() throws Exception {
        int from = lines.size();
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!poll(POLL).caughtUp()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("source never caught up");
            }
        }
        return List.copyOf(lines.subList(from, lines.size()));
    }

    /** Polls until {@code done} holds for all lines so far (or gives up), then returns all lines. */
    List<Line> until(Predicate<List<Line>> done) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!done.test(lines) && System.nanoTime() < deadline) {
            poll(POLL);
        }
        return List.copyOf(lines);
    }

    String origin(String key) {
        return "s3://" + bucket + "/" + key;
    }

    static List<Line> decode(LineChunk c) {
        List<Line> out = new ArrayList<>();
        String text = new String(c.data(), c.offset(), c.length(), StandardCharsets.UTF_8);
        String[] parts = text.split("\n", -1);
        int n = text.endsWith("\n") ? parts.length - 1 : parts.length;
        for (int i = 0; i < n; i++) {
            if (!parts[i].isBlank()) {
                out.add(new Line(c.origin(), c.firstLine() + i, parts[i], c.format()));
            }
        }
        return out;
    }

    static List<String> texts(List<Line> lines) {
        return lines.stream().map(Line::text).toList();
    }

    @Override
    public void close() {
        source.close();
    }

    // ---- writing test objects ------------------------------------------------------------------

    /** The AWS key of a delivery: {@code AWSLogs/{account}/vpcflowlogs/{region}/yyyy/MM/dd/{file}}. */
    static String key(String account, String region, LocalDate day, String hhmm, String hash) {
        return String.format("AWSLogs/%s/vpcflowlogs/%s/%04d/%02d/%02d/%s_vpcflowlogs_%s_fl-0a1b2c3d_%04d%02d%02dT%sZ_%s.log.gz",
                account, region, day.getYear(), day.getMonthValue(), day.getDayOfMonth(), account, region,
                day.getYear(), day.getMonthValue(), day.getDayOfMonth(), hhmm, hash);
    }

    static String key(LocalDate day, String hhmm) {
        return key(ACCOUNT, REGION, day, hhmm, "abcd1234");
    }

    /** A version-2 record whose packets field is {@code n}, so tests can tell lines apart. */
    static String record(int n) {
        return "2 " + ACCOUNT + " eni-0a1b2c3d 10.0.0." + (n % 250) + " 10.1.0.9 443 " + (40000 + n % 20000)
                + " 6 " + n + " 840 1714600000 1714600060 ACCEPT OK";
    }

    static List<String> records(int from, int to) {
        List<String> out = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            out.add(record(i));
        }
        return out;
    }

    static String text(List<String> lines) {
        StringBuilder sb = new StringBuilder();
        lines.forEach(l -> sb.append(l).append('\n'));
        return sb.toString();
    }

    /** An object as AWS writes it: gzip, header line first. */
    static byte[] delivery(int from, int to) throws IOException {
        return gzip(HEADER + "\n" + text(records(from, to)));
    }

    static byte[] gzip(String content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(content.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }
}
