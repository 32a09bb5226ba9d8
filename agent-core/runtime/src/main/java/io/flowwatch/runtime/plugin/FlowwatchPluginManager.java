package io.flowwatch.runtime.plugin;

import org.pf4j.DefaultPluginLoader;
import org.pf4j.DefaultPluginManager;
import org.pf4j.DefaultPluginRepository;
import org.pf4j.PluginClassLoader;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginLoader;
import org.pf4j.PluginRepository;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * pf4j's manager, over a directory of already-extracted plugins (see {@link PluginRuntime}), with
 * the parent-first class loader. Zips are never expanded in place: the plugins directory of an
 * installed agent is read-only.
 */
final class FlowwatchPluginManager extends DefaultPluginManager {

    FlowwatchPluginManager(Path extractedRoot) {
        super(extractedRoot);
    }

    @Override
    protected PluginRepository createPluginRepository() {
        return new DefaultPluginRepository(getPluginsRoots()) {
            @Override
            public List<Path> getPluginPaths() {
                // Only directories we extracted ourselves; never expand zips here.
                try (Stream<Path> s = Files.list(getPluginsRoots().get(0))) {
                    return s.filter(Files::isDirectory).sorted().collect(Collectors.toList());
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };
    }

    @Override
    protected PluginLoader createPluginLoader() {
        return new DefaultPluginLoader(this) {
            @Override
            protected PluginClassLoader createPluginClassLoader(Path pluginPath, PluginDescriptor descriptor) {
                return new ParentFirstPluginClassLoader(pluginManager, descriptor, getClass().getClassLoader());
            }
        };
    }
}
