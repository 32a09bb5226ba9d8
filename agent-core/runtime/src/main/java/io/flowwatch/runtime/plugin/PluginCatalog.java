package io.flowwatch.runtime.plugin;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Every factory the loaded plugins (and the runtime itself) provide, by kind and type, each with
 * the defaults its plugin's {@code reference.conf} gives for that type. Immutable once built.
 */
public final class PluginCatalog {

    /** A factory and where it came from. {@code pluginId} is "builtin" for the runtime's own. */
    public record Registered<F>(ExtensionKind kind, String type, F factory, String pluginId, String pluginVersion,
                                Config defaults) {
    }

    /** A loaded plugin, for {@code flowwatch plugins}. */
    public record PluginInfo(String id, String version, String description, String path,
                             Map<ExtensionKind, List<String>> types) {
    }

    private final Map<ExtensionKind, Map<String, Registered<?>>> byKind;
    private final List<PluginInfo> plugins;
    private final List<String> problems;

    PluginCatalog(Map<ExtensionKind, Map<String, Registered<?>>> byKind, List<PluginInfo> plugins, List<String> problems) {
        EnumMap<ExtensionKind, Map<String, Registered<?>>> copy = new EnumMap<>(ExtensionKind.class);
        for (ExtensionKind k : ExtensionKind.values()) {
            copy.put(k, Collections.unmodifiableMap(new TreeMap<>(byKind.getOrDefault(k, Map.of()))));
        }
        this.byKind = Collections.unmodifiableMap(copy);
        this.plugins = List.copyOf(plugins);
        this.problems = List.copyOf(problems);
    }

    /** A catalog with no plugins, only what the caller registers (tests, tools). */
    public static Builder builder() {
        return new Builder();
    }

    @SuppressWarnings("unchecked")
    public <F> Optional<Registered<F>> find(ExtensionKind kind, String type, Class<F> factoryClass) {
        Registered<?> r = byKind.get(kind).get(type);
        if (r == null || !factoryClass.isInstance(r.factory())) {
            return Optional.empty();
        }
        return Optional.of((Registered<F>) r);
    }

    /** Type names of a kind, sorted, for "expected one of ..." messages. */
    public List<String> types(ExtensionKind kind) {
        return new ArrayList<>(new TreeSet<>(byKind.get(kind).keySet()));
    }

    public List<PluginInfo> plugins() {
        return plugins;
    }

    /** Problems found while loading (a plugin refused, a type provided twice). */
    public List<String> problems() {
        return problems;
    }

    public static final class Builder {
        private final Map<ExtensionKind, Map<String, Registered<?>>> byKind = new EnumMap<>(ExtensionKind.class);
        private final List<PluginInfo> plugins = new ArrayList<>();
        private final List<String> problems = new ArrayList<>();

        public <F> Builder add(ExtensionKind kind, F factory, String pluginId, String version, Config pluginReference) {
            String type = kind.typeOf(factory);
            String path = "flowwatch.defaults." + kind.section() + "." + quote(type);
            Config defaults = pluginReference.hasPath(path) ? pluginReference.getConfig(path) : ConfigFactory.empty();
            Map<String, Registered<?>> types = byKind.computeIfAbsent(kind, k -> new TreeMap<>());
            Registered<?> existing = types.get(type);
            if (existing != null) {
                problems.add("type '" + type + "' (" + kind.section() + ") is provided by both "
                        + existing.pluginId() + " and " + pluginId + "; using " + existing.pluginId());
                return this;
            }
            types.put(type, new Registered<>(kind, type, factory, pluginId, version, defaults));
            return this;
        }

        Builder plugin(PluginInfo info) {
            plugins.add(info);
            return this;
        }

        Builder problem(String problem) {
            problems.add(problem);
            return this;
        }

        public PluginCatalog build() {
            return new PluginCatalog(byKind, plugins, problems);
        }

        private static String quote(String key) {
            return com.typesafe.config.ConfigUtil.joinPath(key);
        }
    }
}
