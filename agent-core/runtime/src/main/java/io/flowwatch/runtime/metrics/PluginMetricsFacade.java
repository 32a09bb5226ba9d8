package io.flowwatch.runtime.metrics;

import io.flowwatch.api.PluginMetrics;
import io.prometheus.client.Collector;
import io.prometheus.client.CollectorRegistry;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link PluginMetrics} a plugin instance gets: names are prefixed with {@code flowwatch_} and
 * carry one label naming the instance ({@code source="local"}), so plugins cannot label by record
 * values. Collectors are shared by all instances of a kind through {@link Shared}.
 */
public final class PluginMetricsFacade implements PluginMetrics {

    /** The collectors of one registry, by full name; one per agent. */
    public static final class Shared {
        private final CollectorRegistry registry;
        private final Map<String, Collector> collectors = new ConcurrentHashMap<>();

        public Shared(CollectorRegistry registry) {
            this.registry = registry;
        }

        Collector get(String name, String help, String label, boolean counter) {
            return get(name, help, List.of(label), counter);
        }

        Collector get(String name, String help, List<String> labels, boolean counter) {
            String[] names = labels.toArray(String[]::new);
            Collector c = collectors.computeIfAbsent(name, n -> counter
                    ? io.prometheus.client.Counter.build(n, help).labelNames(names).register(registry)
                    : io.prometheus.client.Gauge.build(n, help).labelNames(names).register(registry));
            if (counter != (c instanceof io.prometheus.client.Counter)) {
                throw new IllegalArgumentException("metric " + name + " is already registered as another kind");
            }
            return c;
        }
    }

    private final Shared shared;
    private final String label;
    private final String instance;

    /**
     * @param label    the label naming the instance, e.g. {@code source}
     * @param instance the instance's config name
     */
    public PluginMetricsFacade(Shared shared, String label, String instance) {
        this.shared = shared;
        this.label = label;
        this.instance = instance;
    }

    @Override
    public PluginMetrics.Counter counter(String name, String help) {
        io.prometheus.client.Counter c = (io.prometheus.client.Counter) shared.get(fullName(name), help, label, true);
        io.prometheus.client.Counter.Child child = c.labels(instance);
        return child::inc;
    }

    @Override
    public PluginMetrics.Gauge gauge(String name, String help) {
        io.prometheus.client.Gauge g = (io.prometheus.client.Gauge) shared.get(fullName(name), help, label, false);
        io.prometheus.client.Gauge.Child child = g.labels(instance);
        return child::set;
    }

    @Override
    public Family<PluginMetrics.Gauge> gaugeFamily(String name, String help, List<String> labelNames) {
        io.prometheus.client.Gauge g = (io.prometheus.client.Gauge) shared.get(fullName(name), help, withInstance(labelNames), false);
        return new Family<>() {
            @Override
            public PluginMetrics.Gauge labels(List<String> values) {
                return g.labels(withInstanceValue(values))::set;
            }

            @Override
            public void remove(List<String> values) {
                g.remove(withInstanceValue(values));
            }
        };
    }

    @Override
    public Family<PluginMetrics.Counter> counterFamily(String name, String help, List<String> labelNames) {
        io.prometheus.client.Counter c = (io.prometheus.client.Counter) shared.get(fullName(name), help, withInstance(labelNames), true);
        return new Family<>() {
            @Override
            public PluginMetrics.Counter labels(List<String> values) {
                return c.labels(withInstanceValue(values))::inc;
            }

            @Override
            public void remove(List<String> values) {
                c.remove(withInstanceValue(values));
            }
        };
    }

    private List<String> withInstance(List<String> labelNames) {
        List<String> all = new ArrayList<>(labelNames.size() + 1);
        all.add(label);
        all.addAll(labelNames);
        return all;
    }

    private String[] withInstanceValue(List<String> values) {
        String[] all = new String[values.size() + 1];
        all[0] = instance;
        for (int i = 0; i < values.size(); i++) {
            all[i + 1] = values.get(i);
        }
        return all;
    }

    private static String fullName(String name) {
        return name.startsWith("flowwatch_") ? name : "flowwatch_" + name;
    }
}
