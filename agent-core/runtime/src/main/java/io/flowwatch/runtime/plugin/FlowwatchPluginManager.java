package io.flowwatch.runtime.plugin;

import org.pf4j.DefaultPluginLoader;
import org.pf4j.DefaultPluginManager;
import org.pf4j.DefaultPluginRepository;
import org.pf4j.PluginClassLoader;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginLoader;
import org.pf4j.PluginRepository;

import java.nio.file.Path;
import java.util.List;

/**
 * pf4j's manager, over a directory of already-extracted plugins (see {@link PluginRuntime}), with
 * the parent-first class loader. Zips are never expanded in place: the plugins directory of an
 * installed agent is read-only.
 */
final class FlowwatchPluginManager extends DefaultPluginManager {

    private final List<Path> pluginPaths;

    /** @param pluginPaths the extracted plugins to load, and nothing else under {@code root} */
    FlowwatchPluginManager(Path root, List<Path> pluginPaths) {
        super(root);
        this.pluginPaths = List.copyOf(pluginPaths);
    }

    @Override
    protected PluginRepository createPluginRepository() {
        return new DefaultPluginRepository(getPluginsRoots()) {
            @Override
            public List<Path> getPluginPaths() {
                // Only what PluginRuntime extracted for this plugins-dir: a shared cache holds others too.
                return pluginPaths;
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
