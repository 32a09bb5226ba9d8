package io.flowwatch.plugin.directory;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.zip.GZIPOutputStream;

/**
 * Runs a real {@link DirectorySource} on a temp directory the way the runtime does (poll, remember
 * positions) and decodes what it hands over into numbered lines.
 */
final class SourceHarness implements AutoCloseable {

    /** One non-blank line as handed over: file relative to the root, real line number, text, chunk format. */
    record Line(String file, long number, String text, FlowFormat format) {
    }

    static final Duration POLL = Duration.ofMillis(300);
    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private static final AtomicInteger NAMES = new AtomicInteger();

    final Path root;
    final MutableClock clock;
    final TestPluginContext ctx;
    final DirectorySource source;
    final List<SourceBatch> batches = new ArrayList<>();
    final List<Line> lines = new ArrayList<>();
    /** Latest offset per partition, null once forgotten; as the runtime would commit them. */
    final Map<String, String> positions = new HashMap<>();
    /** Every text byte handed over per partition, in order. */
    final Map<String, ByteArrayOutputStream> delivered = new HashMap<>();

    SourceHarness(Path root, String hocon, Path stateDir) {
        this(root, hocon, stateDir, new MutableClock(Instant.now()));
    }

    SourceHarness(Path root, String hocon, Path stateDir, MutableClock clock) {
        this.root = root;
        this.clock = clock;
        this.ctx = new TestPluginContext("dir" + NAMES.incrementAndGet(), clock, stateDir);
        this.source = (DirectorySource) new DirectorySourceFactory().create(config(root, hocon), ctx);
    }

    static Config config(Path root, String hocon) {
        return ConfigFactory.parseString(hocon)
                .withFallback(ConfigFactory.parseMap(Map.of("path", root.toString(), "poll-interval", "20ms")))
                .withFallback(referenceDefaults())
                .resolve();
    }

    static Config referenceDefaults() {
        return ConfigFactory.parseResources(DirectorySourceFactory.class.getClassLoader(), "reference.conf")
                .getConfig("flowwatch.defaults.sources.directory");
    }

    SourceHarness open() throws IOException {
        return open(Map.of());
    }

    SourceHarness open(Map<String, String> committed) throws IOException {
        source.open(committed);
        return this;
    }

    /** One poll, recorded. */
    SourceBatch poll(Duration maxWait) throws Exception {
        SourceBatch b = source.poll(maxWait);
        batches.add(b);
        for (LineChunk c : b.chunks()) {
            String file = relative(c.origin());
            delivered.computeIfAbsent(file, k -> new ByteArrayOutputStream()).write(c.data(), c.offset(), c.length());
            lines.addAll(decode(file, c));
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

    String relative(String origin) {
        String prefix = root.toString() + "/";
        return origin.startsWith(prefix) ? origin.substring(prefix.length()) : origin;
    }

    static List<Line> decode(String file, LineChunk c) {
        List<Line> out = new ArrayList<>();
        String text = new String(c.data(), c.offset(), c.length(), StandardCharsets.UTF_8);
        String[] parts = text.split("\n", -1);
        int n = text.endsWith("\n") ? parts.length - 1 : parts.length;
        for (int i = 0; i < n; i++) {
            String s = parts[i].endsWith("\r") ? parts[i].substring(0, parts[i].length() - 1) : parts[i];
            if (!s.isBlank()) {
                out.add(new Line(file, c.firstLine() + i, s, c.format()));
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

    // ---- writing test files --------------------------------------------------------------------

    /** A version-2 record whose packets field is {@code n}, so tests can tell lines apart. */
    static String record(int n) {
        return "2 123456789012 eni-0a1b2c3d 10.0.0." + (n % 250) + " 10.1.0.9 443 " + (40000 + n % 20000)
                + " 6 " + n + " 840 1620000000 1620000060 ACCEPT OK";
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

    static Path write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, content);
    }

    static Path append(Path file, String content) throws IOException {
        return Files.writeString(file, content, java.nio.file.StandardOpenOption.APPEND);
    }

    static byte[] gzip(String content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(content.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    static Path writeGz(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.write(file, gzip(content));
    }
}
