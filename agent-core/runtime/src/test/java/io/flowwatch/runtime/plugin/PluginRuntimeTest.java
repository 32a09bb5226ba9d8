package io.flowwatch.runtime.plugin;

import com.typesafe.config.Config;
import io.flowwatch.api.notify.NotifierFactory;
import io.flowwatch.api.record.FlowRecord;
import io.flowwatch.api.rule.RuleTypeFactory;
import io.flowwatch.api.source.SourceFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Loads the real plugin zips the build produced through the real pf4j plugin manager. */
class PluginRuntimeTest {

    static PluginRuntime runtime;

    static Path builtPlugins() {
        return io.flowwatch.runtime.TestPlugins.dir();
    }

    @BeforeAll
    static void load() throws IOException {
        assertThat(builtPlugins()).isDirectory();
        runtime = PluginRuntime.load(builtPlugins());
    }

    @AfterAll
    static void close() {
        runtime.close();
    }

    static final java.util.List<String> STANDARD_RULE_TYPES =
            java.util.List.of("cardinality", "frequency", "ip-list", "metric-filter", "new-value", "spike");

    @Test
    void findsTheExtensionsOfEveryBuiltPlugin() {
        PluginCatalog c = runtime.catalog();
        assertThat(c.problems()).isEmpty();
        assertThat(c.types(ExtensionKind.SOURCE)).contains("directory", "simulator", "cloudwatch-logs", "s3");
        assertThat(c.types(ExtensionKind.RULE_TYPE)).contains("frequency");
        assertThat(c.types(ExtensionKind.QUERY_ENGINE)).contains("duckdb", "athena");
        assertThat(c.types(ExtensionKind.NOTIFIER)).contains("console", "file", "sns", "alertmanager", "webhook", "slack", "email");
        assertThat(c.find(ExtensionKind.SOURCE, "directory", SourceFactory.class)).get()
                .extracting(PluginCatalog.Registered::pluginId).isEqualTo("source-directory");
        assertThat(c.find(ExtensionKind.NOTIFIER, "console", NotifierFactory.class)).get()
                .extracting(PluginCatalog.Registered::pluginId).isEqualTo("builtin");
        assertThat(c.plugins()).extracting(PluginCatalog.PluginInfo::id)
                .contains("source-directory", "source-simulator", "rules-standard", "notifier-sns", "notifier-alertmanager",
                        "notifier-webhook", "notifier-slack", "notifier-email", "builtin");
        assertThat(c.plugins()).filteredOn(p -> p.id().equals("rules-standard")).singleElement()
                .satisfies(p -> {
                    assertThat(p.version()).isEqualTo("0.1.0-SNAPSHOT");
                    assertThat(p.types().get(ExtensionKind.RULE_TYPE)).containsExactlyInAnyOrderElementsOf(STANDARD_RULE_TYPES);
                });
    }

    @Test
    void pluginReferenceConfDefaultsAreApplied() {
        Config defaults = runtime.catalog().find(ExtensionKind.RULE_TYPE, "frequency", RuleTypeFactory.class).orElseThrow().defaults();
        assertThat(defaults.getDuration("window")).isEqualTo(Duration.ofMinutes(5));
        Config dirDefaults = runtime.catalog().find(ExtensionKind.SOURCE, "directory", SourceFactory.class).orElseThrow().defaults();
        assertThat(dirDefaults.hasPath("poll-interval")).isTrue();
        // A plugin's defaults never leak into another type's.
        assertThat(dirDefaults.hasPath("window")).isFalse();
    }

    @Test
    void pluginClassesAreIsolatedFromTheHostAndFromEachOther() throws Exception {
        ClassLoader rules = runtime.classLoaderOf("rules-standard");
        ClassLoader directory = runtime.classLoaderOf("source-directory");
        Class<?> rule = rules.loadClass("io.flowwatch.plugin.rules.FrequencyRule");
        assertThat(rule.getClassLoader()).isSameAs(rules);
        assertThatThrownBy(() -> getClass().getClassLoader().loadClass("io.flowwatch.plugin.rules.FrequencyRule"))
                .isInstanceOf(ClassNotFoundException.class);
        assertThatThrownBy(() -> directory.loadClass("io.flowwatch.plugin.rules.FrequencyRule"))
                .isInstanceOf(ClassNotFoundException.class);
        // The shared packages are one copy for everyone (parent-first).
        assertThat(rules.loadClass(FlowRecord.class.getName())).isSameAs(FlowRecord.class);
        assertThat(directory.loadClass(Config.class.getName())).isSameAs(Config.class);
        assertThat(rules.loadClass(org.slf4j.Logger.class.getName())).isSameAs(org.slf4j.Logger.class);
    }

    @Test
    void builtZipsBundleNoSharedPackage() throws IOException {
        try (var zips = Files.list(builtPlugins())) {
            for (Path zip : zips.filter(p -> p.toString().endsWith(".zip")).toList()) {
                try (var z = new java.util.zip.ZipFile(zip.toFile())) {
                    assertThat(z.stream().map(ZipEntry::getName))
                            .as(zip.getFileName().toString())
                            .noneMatch(n -> n.matches("lib/(flowwatch-api|config|slf4j-api|pf4j|logback-.*)-[0-9].*\\.jar"))
                            .contains("plugin.properties", "classes/META-INF/extensions.idx");
                }
            }
        }
    }

    @Test
    void aZipThatBundlesASharedLibraryIsRefusedAndTheOthersStillLoad(@TempDir Path dir) throws IOException {
        Files.copy(builtPlugins().resolve("rules-standard-0.1.0-SNAPSHOT.zip"), dir.resolve("rules-standard-0.1.0-SNAPSHOT.zip"));
        zip(dir.resolve("bad-1.0.zip"), Map.of("plugin.properties", "plugin.id=bad\nplugin.version=1.0.0\n",
                "lib/slf4j-api-2.0.17.jar", ""));
        zip(dir.resolve("evil-1.0.zip"), Map.of("plugin.properties", "plugin.id=evil\nplugin.version=1.0.0\n",
                "../../escape.txt", "x"));
        try (PluginRuntime r = PluginRuntime.load(dir)) {
            assertThat(r.catalog().problems()).anySatisfy(p -> assertThat(p).contains("bad-1.0.zip").contains("bundles slf4j-api-2.0.17.jar"));
            assertThat(r.catalog().problems()).anySatisfy(p -> assertThat(p).contains("evil-1.0.zip").contains("outside the plugin directory"));
            assertThat(r.catalog().types(ExtensionKind.RULE_TYPE)).containsExactlyInAnyOrderElementsOf(STANDARD_RULE_TYPES);
        }
        assertThat(dir.getParent().resolve("escape.txt")).doesNotExist();
    }

    @Test
    void workDirectoriesOfAgentsThatDiedAreRemovedAndLiveOnesKept(@TempDir Path tmp) throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path dead = Files.createDirectories(tmp.resolve("flowwatch-plugins-" + gone.pid() + "-123/rules-standard"));
        Files.writeString(dead.resolve("big.jar"), "x");
        Path live = Files.createDirectories(tmp.resolve("flowwatch-plugins-" + ProcessHandle.current().pid() + "-456"));
        Path unrelated = Files.createDirectories(tmp.resolve("flowwatch-plugins-old-layout-789"));

        assertThat(PluginRuntime.removeStaleWorkDirs(tmp)).isEqualTo(1);
        assertThat(dead.getParent()).as("left by kill -9").doesNotExist();
        assertThat(live).as("this process still uses it").exists();
        assertThat(unrelated).as("no pid: the owner is unknown").exists();
    }

    @Test
    void aMissingPluginsDirLeavesOnlyBuiltins(@TempDir Path dir) throws IOException {
        try (PluginRuntime r = PluginRuntime.load(dir.resolve("nope"))) {
            // test-secret is a test-only extension on the test class path (process/SecretHoldingNotifierFactory).
            assertThat(r.catalog().types(ExtensionKind.NOTIFIER)).containsExactly("console", "file", "test-secret");
            assertThat(r.catalog().types(ExtensionKind.SOURCE)).isEmpty();
            assertThat(r.catalog().problems()).singleElement().asString().contains("is not a directory");
        }
    }

    static void zip(Path file, Map<String, String> entries) throws IOException {
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream z = new ZipOutputStream(out)) {
            for (Map.Entry<String, String> e : entries.entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                z.write(e.getValue().getBytes(StandardCharsets.UTF_8));
                z.closeEntry();
            }
        }
    }
}
