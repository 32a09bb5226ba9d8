package io.flowwatch.runtime.plugin;

import io.flowwatch.api.rule.RuleTypeFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Extracted plugins are kept between starts, and only whole, trusted, unused entries are touched. */
class PluginCacheTest {

    private static final String RULES = "rules-standard-0.1.0-SNAPSHOT";
    private static final String DIRECTORY = "source-directory-0.1.0-SNAPSHOT";

    @TempDir
    Path tmp;

    private Path plugins() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("plugins"));
        for (String name : List.of(RULES, DIRECTORY)) {
            Files.copy(PluginRuntimeTest.builtPlugins().resolve(name + ".zip"), dir.resolve(name + ".zip"));
        }
        return dir;
    }

    @Test
    void aSecondStartLoadsWhatTheFirstExtracted() throws IOException {
        Path plugins = plugins();
        Path cache = tmp.resolve("cache");
        Path entry;
        try (PluginRuntime r = PluginRuntime.load(plugins, cache)) {
            assertThat(r.catalog().problems()).isEmpty();
            entry = entry(cache, RULES);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cache))).isEqualTo("rwx------");
        }
        Path jar;
        try (Stream<Path> s = Files.list(entry.resolve("lib"))) {
            jar = s.filter(p -> p.toString().endsWith(".jar")).findFirst().orElseThrow();
        }
        Object inode = Files.readAttributes(jar, java.nio.file.attribute.BasicFileAttributes.class).fileKey();

        try (PluginRuntime r = PluginRuntime.load(plugins, cache)) {
            assertThat(r.catalog().problems()).isEmpty();
            assertThat(r.catalog().types(ExtensionKind.RULE_TYPE)).containsAll(PluginRuntimeTest.STANDARD_RULE_TYPES);
            assertThat(r.catalog().find(ExtensionKind.RULE_TYPE, "frequency", RuleTypeFactory.class)).isPresent();
            assertThat(r.catalog().plugins()).anySatisfy(p -> assertThat(p.path()).isEqualTo(RULES + ".zip"));
        }
        assertThat(entry(cache, RULES)).isEqualTo(entry);
        assertThat(Files.readAttributes(jar, java.nio.file.attribute.BasicFileAttributes.class).fileKey())
                .as("the jar was not extracted again").isEqualTo(inode);
    }

    @Test
    void anEntryMissingAFileIsExtractedAgain() throws IOException {
        Path plugins = plugins();
        Path cache = tmp.resolve("cache");
        PluginRuntime.load(plugins, cache).close();
        Path entry = entry(cache, RULES);
        Path someJar;
        try (Stream<Path> s = Files.list(entry.resolve("lib"))) {
            someJar = s.filter(p -> p.toString().endsWith(".jar")).findFirst().orElseThrow();
        }
        Files.delete(someJar); // what a /tmp cleaner does to files nobody touched for days

        try (PluginRuntime r = PluginRuntime.load(plugins, cache)) {
            assertThat(r.catalog().problems()).isEmpty();
            assertThat(r.catalog().types(ExtensionKind.RULE_TYPE)).containsAll(PluginRuntimeTest.STANDARD_RULE_TYPES);
        }
        assertThat(someJar).exists();
    }

    @Test
    void aCacheOthersCanWriteIsNotUsed() throws IOException {
        Path plugins = plugins();
        Path cache = Files.createDirectories(tmp.resolve("shared"));
        Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rwxrwxrwx"));

        try (PluginRuntime r = PluginRuntime.load(plugins, cache)) {
            assertThat(r.catalog().problems()).isEmpty();
            assertThat(r.catalog().types(ExtensionKind.RULE_TYPE)).containsAll(PluginRuntimeTest.STANDARD_RULE_TYPES);
        }
        try (Stream<Path> s = Files.list(cache)) {
            assertThat(s).as("nothing extracted into a directory others can write").isEmpty();
        }
        assertThat(PluginCache.open(cache)).isEmpty();
        Path link = Files.createSymbolicLink(tmp.resolve("link"), Files.createDirectories(tmp.resolve("real")));
        assertThat(PluginCache.open(link)).as("a symlink is not followed").isEmpty();
    }

    @Test
    void pruningKeepsEntriesInUseAndTheLastOtherOneOfEachPlugin() throws Exception {
        Path plugins = plugins();
        Path cache = tmp.resolve("cache");
        PluginRuntime.load(plugins, cache).close();
        Path older = fakeEntry(cache, RULES + "-00000000000000aa", 3);
        Path newer = fakeEntry(cache, RULES + "-00000000000000bb", 2);
        Path heldHere = fakeEntry(cache, DIRECTORY + "-00000000000000cc", 5);
        Path lastOfDirectory = fakeEntry(cache, DIRECTORY + "-00000000000000dd", 4);
        Path oldest = fakeEntry(cache, DIRECTORY + "-00000000000000ee", 7);
        Path heldByAnotherProcess = fakeEntry(cache, DIRECTORY + "-00000000000000ff", 6);

        // Another agent (another JVM) uses one old entry, this JVM another one.
        Process other = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), LockHolder.class.getName(),
                heldByAnotherProcess.resolve(".lock").toString()).redirectErrorStream(true).start();
        try (PluginCache holder = PluginCache.open(cache).orElseThrow()) {
            assertThat(new java.io.BufferedReader(new java.io.InputStreamReader(other.getInputStream())).readLine())
                    .isEqualTo("locked");
            assertThat(holder.hold(heldHere)).isTrue();
            try (PluginRuntime r = PluginRuntime.load(plugins, cache)) {
                assertThat(r.catalog().problems()).isEmpty();
            }
        } finally {
            other.getOutputStream().close();
            other.waitFor();
        }
        assertThat(older).doesNotExist();
        assertThat(oldest).doesNotExist();
        assertThat(newer).as("the last other entry of rules-standard").exists();
        assertThat(lastOfDirectory).as("the last other entry of source-directory").exists();
        assertThat(heldHere).as("in use in this JVM").exists();
        assertThat(heldByAnotherProcess).as("in use by another process").exists();
        assertThat(entry(cache, RULES)).exists();
        try (Stream<Path> s = Files.list(cache)) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("."));
        }
    }

    /** Holds a shared lock on a file until its stdin closes, as another agent using a cache entry does. */
    public static final class LockHolder {
        public static void main(String[] args) throws Exception {
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(Path.of(args[0]),
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.READ,
                    java.nio.file.StandardOpenOption.WRITE);
                 java.nio.channels.FileLock lock = ch.lock(0, Long.MAX_VALUE, true)) {
                System.out.println("locked");
                System.out.flush();
                while (System.in.read() >= 0) {
                    // wait for stdin to close
                }
            }
        }
    }

    private static Path fakeEntry(Path cache, String name, int daysAgo) throws IOException {
        Path e = cache.resolve(name);
        Files.createDirectories(e.resolve("lib"));
        Files.writeString(e.resolve("lib/x.jar"), "x");
        Files.writeString(e.resolve(PluginCache.MANIFEST), "1 lib/x.jar\n");
        Files.setLastModifiedTime(e.resolve(PluginCache.MANIFEST), FileTime.fromMillis(System.currentTimeMillis() - daysAgo * 86_400_000L));
        return e;
    }

    private static Path entry(Path cache, String zipName) throws IOException {
        try (Stream<Path> s = Files.list(cache)) {
            List<Path> found = s.filter(p -> p.getFileName().toString().matches(java.util.regex.Pattern.quote(zipName) + "-[0-9a-f]{16}"))
                    .filter(p -> Files.exists(p.resolve(PluginCache.MANIFEST)))
                    .filter(p -> !p.getFileName().toString().contains("-00000000000000")) // the fake ones
                    .toList();
            assertThat(found).hasSize(1);
            return found.get(0);
        }
    }
}
