package io.flowwatch.runtime.plugin;

import org.pf4j.ClassLoadingStrategy;
import org.pf4j.PluginClassLoader;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginManager;

import java.util.List;

/**
 * pf4j loads plugin-first and shares only {@code java.*} and {@code org.pf4j.*} with the host. The
 * SPI, typesafe-config and slf4j must be one copy for everyone (a plugin's {@code Config} must be
 * the host's {@code Config}), so those packages always come from the host, like Trino's
 * {@code PluginClassLoader} does with its SPI packages.
 */
final class ParentFirstPluginClassLoader extends PluginClassLoader {

    static final List<String> PARENT_FIRST_PACKAGES = List.of(
            "io.flowwatch.api.", "com.typesafe.config.", "org.slf4j.", "org.pf4j.");

    ParentFirstPluginClassLoader(PluginManager manager, PluginDescriptor descriptor, ClassLoader parent) {
        super(manager, descriptor, parent, ClassLoadingStrategy.PDA);
    }

    @Override
    public Class<?> loadClass(String className) throws ClassNotFoundException {
        if (isParentFirst(className)) {
            return getParent().loadClass(className);
        }
        return super.loadClass(className);
    }

    static boolean isParentFirst(String className) {
        for (String p : PARENT_FIRST_PACKAGES) {
            if (className.startsWith(p)) {
                return true;
            }
        }
        return false;
    }
}
