package io.flowwatch.runtime.config;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.typesafe.config.ConfigFactory;
import io.flowwatch.api.FlowwatchException.Problem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing of the HOCON loaders: {@link ConfigLoader#loadRules} on an arbitrary
 * rule file and {@link ConfigLoader#loadString} on arbitrary agent.conf text. Bad input must come
 * back as problems, never as an exception, and every problem must say where it is (a non-empty
 * origin). The last input byte picks the loader.
 */
class ConfigLoaderFuzzTest {

    private static Path dir;
    private static ConfigLoader loader;

    @BeforeAll
    static void setUp() throws IOException {
        dir = Files.createTempDirectory("flowwatch-fuzz-conf");
        // A fixed environment, so ${?VAR} substitutions are reachable and runs are reproducible.
        loader = new ConfigLoader(ConfigFactory.defaultReferenceUnresolved(ConfigLoaderFuzzTest.class.getClassLoader()).resolve(),
                Map.of("FLOWWATCH_HTTP_PASSWORD", "s3cret-pw", "RULES", "rules.d/*.conf", "PORT", "9464"));
    }

    @AfterAll
    static void tearDown() throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @FuzzTest(maxDuration = "10s")
    void loadersReportProblemsNeverThrow(FuzzedDataProvider in) throws IOException {
        boolean ruleFile = in.consumeBoolean();
        byte[] bytes = in.consumeRemainingAsBytes();
        String text = new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
        if (reachesOutside(text)) {
            return;
        }
        List<Problem> problems;
        if (ruleFile) {
            Path file = dir.resolve("fuzz.conf");
            Files.write(file, bytes);
            ConfigLoader.LoadedRules loaded = loader.loadRules(List.of(file));
            problems = loaded.problems();
            assertThat(loaded.rules()).doesNotContainNull();
        } else {
            ConfigLoader.Loaded loaded = loader.loadString(text, "agent.conf", dir.resolve("agent.conf"));
            problems = loaded.problems();
            assertThat(loaded.config() != null || !problems.isEmpty()).as("no config comes with a reason").isTrue();
        }
        for (Problem p : problems) {
            assertThat(p.origin()).as("origin of %s", p).isNotBlank();
            assertThat(p.message()).as("message of %s", p).isNotBlank();
        }
    }

    /**
     * Inputs the harness does not feed: HOCON includes (file(), url(), classpath()) and absolute
     * or escaped paths would make the loader read this machine's files or the network, and a
     * rules glob rooted at / walks the whole file system. That is what such a config asks for,
     * not a loader bug, and a fuzzer must stay inside its temp dir.
     */
    private static boolean reachesOutside(String text) {
        return text.contains("include") || text.contains("/") || text.contains("\\");
    }
}
