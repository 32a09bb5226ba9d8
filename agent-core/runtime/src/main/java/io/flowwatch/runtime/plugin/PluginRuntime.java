package io.flowwatch.runtime.plugin;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import org.pf4j.PluginManager;
import org.pf4j.PluginWrapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Loads the plugin zips of one directory through pf4j and builds the {@link PluginCatalog}.
 *
 * <p>Zips are extracted into the {@link PluginCache} (or, when it cannot be trusted, a private
 * temporary directory), never next to themselves: an installed agent's plugin directory is
 * read-only, and only zips directly inside the configured directory are considered (no
 * recursion, no symlinks), so nothing else can slip in.
 */
public final class PluginRuntime implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PluginRuntime.class);

    /** Jars a plugin must not bundle: the host shares these packages parent-first. */
    private static final List<String> FORBIDDEN_JAR_PREFIXES = List.of(
            "flowwatch-api-", "flowwatch-runtime-", "config-1.", "slf4j-api-", "pf4j-", "logback-classic-", "logback-core-");

    private static final String WORK_DIR_PREFIX = "flowwatch-plugins-";
    private static final java.util.regex.Pattern WORK_DIR = java.util.regex.Pattern.compile("flowwatch-plugins-(\\d+)-.*");

    private final PluginManager manager;
    private final Path workDir;
    private final PluginCache cache;
    private final PluginCatalog catalog;

    private PluginRuntime(PluginManager manager, Path workDir, PluginCache cache, PluginCatalog catalog) {
        this.manager = manager;
        this.workDir = workDir;
        this.cache = cache;
        this.catalog = catalog;
    }

    /**
     * Loads every {@code *.zip} directly inside {@code pluginsDir}. Problems with single plugins
     * are recorded in the catalog and the rest still load; the runtime's built-in extensions are
     * always present.
     */
    public static PluginRuntime load(Path pluginsDir) throws IOException {
        return load(pluginsDir, PluginCache.defaultRoot());
    }

    /** As {@link #load(Path)}, with extracted plugins kept in {@code cacheRoot} (null: a private directory per process). */
    static PluginRuntime load(Path pluginsDir, Path cacheRoot) throws IOException {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        removeStaleWorkDirs(tmp);
        PluginCache cache = cacheRoot == null ? null : PluginCache.open(cacheRoot).orElse(null);
        // The pid in the name lets a later start tell a dead agent's directory from a running one's.
        Path workDir = cache != null ? null : Files.createTempDirectory(tmp, WORK_DIR_PREFIX + ProcessHandle.current().pid() + "-");
        Map<Path, String> zipByPluginPath = new java.util.LinkedHashMap<>();
        PluginCatalog.Builder catalog = PluginCatalog.builder();
        if (pluginsDir == null || !Files.isDirectory(pluginsDir)) {
            catalog.problem("plugins-dir " + pluginsDir + " is not a directory: only built-in types are available");
        } else {
            try (DirectoryStream<Path> zips = Files.newDirectoryStream(pluginsDir, "*.zip")) {
                List<Path> sorted = new ArrayList<>();
                zips.forEach(sorted::add);
                Collections.sort(sorted);
                for (Path zip : sorted) {
                    if (!Files.isRegularFile(zip, LinkOption.NOFOLLOW_LINKS)) {
                        catalog.problem(zip + ": skipped: not a regular file (symlinks are not followed)");
                        continue;
                    }
                    String name = zip.getFileName().toString();
                    Path target = cache != null ? null : workDir.resolve(name.substring(0, name.length() - ".zip".length()));
                    try {
                        if (cache != null) {
                            target = cache.entryFor(zip);
                        } else {
                            extract(zip, target);
                        }
                        zipByPluginPath.put(target, name);
                    } catch (IOException | IllegalArgumentException e) {
                        catalog.problem(zip + ": refused: " + e.getMessage());
                        deleteTree(target);
                    }
                }
            }
        }
        if (cache != null) {
            int pruned = cache.prune(zipByPluginPath.keySet());
            if (pruned > 0) {
                log.info("plugins: removed {} unused extracted plugin(s) from {}", pruned, cache.root());
            }
        }
        FlowwatchPluginManager manager = new FlowwatchPluginManager(cache != null ? cache.root() : workDir,
                List.copyOf(zipByPluginPath.keySet()));
        manager.loadPlugins();
        manager.startPlugins();
        for (PluginWrapper w : manager.getPlugins()) {
            if (w.getFailedException() != null) {
                catalog.problem("plugin " + w.getPluginId() + " failed to start: " + w.getFailedException().getMessage());
            }
        }
        Config builtinReference = ConfigFactory.defaultReferenceUnresolved(PluginRuntime.class.getClassLoader()).resolve();
        Map<String, Map<ExtensionKind, List<String>>> typesByPlugin = new java.util.TreeMap<>();
        Map<String, Config> referenceByPlugin = new java.util.HashMap<>();
        for (ExtensionKind kind : ExtensionKind.values()) {
            for (Object factory : manager.getExtensions(kind.factoryClass())) {
                PluginWrapper w = manager.whichPlugin(factory.getClass());
                String id = w == null ? "builtin" : w.getPluginId();
                String version = w == null ? versionOfRuntime() : w.getDescriptor().getVersion();
                Config reference = w == null ? builtinReference
                        : referenceByPlugin.computeIfAbsent(id, k -> pluginReference(w));
                catalog.add(kind, factory, id, version, reference);
                typesByPlugin.computeIfAbsent(id, k -> new EnumMap<>(ExtensionKind.class))
                        .computeIfAbsent(kind, k -> new ArrayList<>()).add(kind.typeOf(factory));
            }
        }
        for (PluginWrapper w : manager.getPlugins()) {
            catalog.plugin(new PluginCatalog.PluginInfo(w.getPluginId(), w.getDescriptor().getVersion(),
                    w.getDescriptor().getPluginDescription(),
                    zipByPluginPath.getOrDefault(w.getPluginPath(), w.getPluginPath().getFileName() + ".zip"),
                    typesByPlugin.getOrDefault(w.getPluginId(), Map.of())));
        }
        catalog.plugin(new PluginCatalog.PluginInfo("builtin", versionOfRuntime(), "Built into the runtime",
                "", typesByPlugin.getOrDefault("builtin", Map.of())));
        PluginCatalog built = catalog.build();
        for (String p : built.problems()) {
            log.warn("plugins: {}", p);
        }
        return new PluginRuntime(manager, workDir, cache, built);
    }

    public PluginCatalog catalog() {
        return catalog;
    }

    /** The class loader of a loaded plugin, for tests that check isolation. */
    public ClassLoader classLoaderOf(String pluginId) {
        return manager.getPluginClassLoader(pluginId);
    }

    public static String versionOfRuntime() {
        String v = PluginRuntime.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    @Override
    public void close() {
        try {
            manager.stopPlugins();
            manager.unloadPlugins();
        } catch (RuntimeException e) {
            log.debug("plugins: unload failed", e);
        }
        if (cache != null) {
            cache.close();
        }
        deleteTree(workDir);
    }

    /**
     * A plugin's own reference.conf files (from classes/ and its bundled jars), not the host's:
     * the parent-first loader would otherwise hand back the runtime's too.
     */
    private static Config pluginReference(PluginWrapper w) {
        ClassLoader cl = w.getPluginClassLoader();
        Config merged = ConfigFactory.empty();
        try {
            Set<String> hostUrls = new HashSet<>();
            for (URL u : Collections.list(PluginRuntime.class.getClassLoader().getResources("reference.conf"))) {
                hostUrls.add(u.toString());
            }
            for (URL u : Collections.list(cl.getResources("reference.conf"))) {
                if (!hostUrls.contains(u.toString())) {
                    merged = merged.withFallback(ConfigFactory.parseURL(u, ConfigParseOptions.defaults().setClassLoader(cl)));
                }
            }
        } catch (IOException | com.typesafe.config.ConfigException e) {
            log.warn("plugins: {}: cannot read reference.conf: {}", w.getPluginId(), e.getMessage());
        }
        return merged.resolve();
    }

    /** Unzips with zip-slip protection and refuses zips that bundle the shared packages. */
    static void extract(Path zip, Path target) throws IOException {
        Files.createDirectories(target);
        Path root = target.toRealPath();
        try (InputStream in = Files.newInputStream(zip); ZipInputStream zin = new ZipInputStream(in)) {
            ZipEntry e;
            while ((e = zin.getNextEntry()) != null) {
                Path out = root.resolve(e.getName()).normalize();
                if (!out.startsWith(root)) {
                    throw new IllegalArgumentException("entry '" + e.getName() + "' would be written outside the plugin directory");
                }
                String fileName = out.getFileName() == null ? "" : out.getFileName().toString();
                if (e.getName().startsWith("lib/") && fileName.endsWith(".jar")) {
                    for (String forbidden : FORBIDDEN_JAR_PREFIXES) {
                        if (fileName.startsWith(forbidden)) {
                            throw new IllegalArgumentException("bundles " + fileName
                                    + ", which the host provides (API, pf4j, typesafe-config, slf4j and logback are shared)");
                        }
                    }
                }
                if (e.isDirectory()) {
                    Files.createDirectories(out);
                } else {
                    Files.createDirectories(out.getParent());
                    Files.copy(zin, out, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        if (!Files.exists(root.resolve("plugin.properties"))) {
            throw new IllegalArgumentException("no plugin.properties: not a flowwatch plugin zip");
        }
    }

    /**
     * Deletes plugin work directories left in {@code tmp} by agents that are gone: a clean stop
     * removes its own, but {@code kill -9} or an out-of-memory exit cannot, and each holds every
     * unpacked plugin (hundreds of MB). Directories of live processes are left alone. Returns how
     * many were removed.
     */
    static int removeStaleWorkDirs(Path tmp) {
        int removed = 0;
        try (DirectoryStream<Path> s = Files.newDirectoryStream(tmp, WORK_DIR_PREFIX + "*")) {
            for (Path d : s) {
                java.util.regex.Matcher m = WORK_DIR.matcher(d.getFileName().toString());
                if (!m.matches() || !Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                long pid;
                try {
                    pid = Long.parseLong(m.group(1));
                } catch (NumberFormatException e) {
                    continue;
                }
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    continue;
                }
                deleteTree(d);
                removed++;
            }
        } catch (IOException | RuntimeException e) {
            log.debug("could not look for stale plugin directories in {}", tmp, e);
        }
        if (removed > 0) {
            log.info("plugins: removed {} work director{} left in {} by agents that did not stop cleanly", removed,
                    removed == 1 ? "y" : "ies", tmp);
        }
        return removed;
    }

    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            log.debug("could not delete {}", dir, e);
        }
    }
}
