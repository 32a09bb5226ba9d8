package io.flowwatch.plugin.directory;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.flowwatch.api.FlowwatchException;
import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.source.SourceFactory;
import io.flowwatch.testkit.MutableClock;
import io.flowwatch.testkit.TestPluginContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pf4j.Extension;

import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class DirectorySourceConfigTest {

    @TempDir
    Path state;

    private final TestPluginContext ctx = new TestPluginContext("local", new MutableClock(Instant.EPOCH), Path.of("unused"));

    private static Config block(String hocon) {
        return ConfigFactory.parseString(hocon).withFallback(SourceHarness.referenceDefaults()).resolve();
    }

    @Test
    void defaultsComeFromReferenceConf() {
        DirectorySource source = (DirectorySource) new DirectorySourceFactory().create(block("path = /var/flowlogs"), ctx);

        assertThat(source.config()).isEqualTo(new DirectorySourceConfig(Path.of("/var/flowlogs"), null,
                Duration.ofSeconds(2), 1024 * 1024, 4, 64 * 1024));
    }

    @Test
    void everyKeyIsRead() {
        DirectorySourceConfig c = DirectorySourceConfig.read(block("""
                path = data/flowlogs
                format = "${version} ${srcaddr} ${dstaddr}"
                poll-interval = 250ms
                chunk-size = 64KiB
                read-ahead = 2
                max-line-length = 8KiB
                """), "flowwatch.sources.local");

        assertThat(c).isEqualTo(new DirectorySourceConfig(Path.of("data/flowlogs"),
                FlowFormat.parse("${version} ${srcaddr} ${dstaddr}"), Duration.ofMillis(250), 65536, 2, 8192));
    }

    @Test
    void configErrorsAreReportedAllAtOnceWithTheirKeys() {
        FlowwatchException e = catchThrowableOfType(FlowwatchException.class, () -> new DirectorySourceFactory().create(block("""
                poll-interval = soon
                read-ahead = 0
                format = "${srcaddr} srcaddr"
                chunk-size = 512
                """), ctx));

        assertThat(e.problems()).extracting(FlowwatchException.Problem::key).containsExactlyInAnyOrder(
                "flowwatch.sources.local.path",
                "flowwatch.sources.local.poll-interval",
                "flowwatch.sources.local.read-ahead",
                "flowwatch.sources.local.format",
                "flowwatch.sources.local.chunk-size");
        assertThat(e.getMessage()).contains("soon");
    }

    @Test
    void maxLineLengthMustBeLessThanChunkSize() {
        FlowwatchException e = catchThrowableOfType(FlowwatchException.class, () -> DirectorySourceConfig.read(
                block("path = x, chunk-size = 4KiB, max-line-length = 4KiB"), "flowwatch.sources.local"));

        assertThat(e.problems()).singleElement().satisfies(p -> {
            assertThat(p.key()).isEqualTo("flowwatch.sources.local.max-line-length");
            assertThat(p.message()).contains("chunk-size");
        });
    }

    @Test
    void zeroPollIntervalIsRefused() {
        FlowwatchException e = catchThrowableOfType(FlowwatchException.class, () -> DirectorySourceConfig.read(
                block("path = x, poll-interval = 0s"), "flowwatch.sources.local"));

        assertThat(e.problems()).extracting(FlowwatchException.Problem::key)
                .containsExactly("flowwatch.sources.local.poll-interval");
    }

    @Test
    void createDoesNoIoAndStartsNoThread() {
        Path missing = state.resolve("does/not/exist");
        long before = threadsNamed("test-local-");

        new DirectorySourceFactory().create(block("path = \"" + missing + "\""), ctx);

        assertThat(threadsNamed("test-local-")).isEqualTo(before);
        assertThat(Files.exists(missing)).isFalse();
        assertThat(Files.exists(state.resolve("local"))).isFalse();
    }

    @Test
    void factoryIsAPf4jExtensionOfTypeDirectory() throws Exception {
        assertThat(new DirectorySourceFactory().type()).isEqualTo("directory");
        assertThat(DirectorySourceFactory.class).hasAnnotation(Extension.class);
        assertThat(SourceFactory.class).isAssignableFrom(DirectorySourceFactory.class);
        // Test compilation writes an empty index of its own, so look at every copy on the class path.
        List<String> indexes = new ArrayList<>();
        for (URL url : Collections.list(DirectorySourceFactory.class.getClassLoader().getResources("META-INF/extensions.idx"))) {
            try (InputStream in = url.openStream()) {
                indexes.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        }
        assertThat(indexes).anySatisfy(idx -> assertThat(idx.lines()).contains(DirectorySourceFactory.class.getName()));
    }

    @Test
    void referenceConfDocumentsEveryKeyWithAComment() throws Exception {
        String text;
        try (InputStream in = DirectorySourceFactory.class.getClassLoader().getResourceAsStream("reference.conf")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Config ref = SourceHarness.referenceDefaults();
        for (String key : new String[] {"poll-interval", "chunk-size", "read-ahead", "max-line-length"}) {
            assertThat(ref.hasPath(key)).as(key).isTrue();
            assertThat(ref.getValue(key).origin().comments()).as(key).isNotEmpty();
        }
        assertThat(ref.hasPathOrNull("format")).isTrue();
        assertThat(text).contains("# path = ");
    }

    private static long threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(prefix)).count();
    }
}
