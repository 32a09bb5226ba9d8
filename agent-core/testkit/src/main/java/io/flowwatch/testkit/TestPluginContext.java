package io.flowwatch.testkit;

import io.flowwatch.api.PluginContext;
import io.flowwatch.api.PluginMetrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.DoubleAdder;

/** A {@link PluginContext} for plugin tests: given clock, state under a temp dir, metrics you can read back. */
public final class TestPluginContext implements PluginContext {

    private final String name;
    private final Clock clock;
    private final Path stateRoot;
    private final RecordingMetrics metrics = new RecordingMetrics();
    private final AtomicInteger threads = new AtomicInteger();

    public TestPluginContext(String name, Clock clock, Path stateRoot) {
        this.name = name;
        this.clock = clock;
        this.stateRoot = stateRoot;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public Path stateDir() {
        Path dir = stateRoot.resolve(name);
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public RecordingMetrics metrics() {
        return metrics;
    }

    @Override
    public ThreadFactory threadFactory() {
        return r -> {
            Thread t = new Thread(r, "test-" + name + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Metrics kept in memory; {@link #value(String)} reads one back. */
    public static final class RecordingMetrics implements PluginMetrics {
        private final Map<String, DoubleAdder> values = new ConcurrentHashMap<>();

        @Override
        public Counter counter(String name, String help) {
            DoubleAdder a = values.computeIfAbsent(name, k -> new DoubleAdder());
            return a::add;
        }

        @Override
        public Gauge gauge(String name, String help) {
            DoubleAdder a = values.computeIfAbsent(name, k -> new DoubleAdder());
            return v -> {
                synchronized (a) {
                    a.reset();
                    a.add(v);
                }
            };
        }

        @Override
        public Family<Gauge> gaugeFamily(String name, String help, List<String> labelNames) {
            return new Family<>() {
                @Override
                public Gauge labels(List<String> values) {
                    return gauge(childName(name, labelNames, values), help);
                }

                @Override
                public void remove(List<String> values) {
                    RecordingMetrics.this.values.remove(childName(name, labelNames, values));
                }
            };
        }

        @Override
        public Family<Counter> counterFamily(String name, String help, List<String> labelNames) {
            return new Family<>() {
                @Override
                public Counter labels(List<String> values) {
                    return counter(childName(name, labelNames, values), help);
                }

                @Override
                public void remove(List<String> values) {
                    RecordingMetrics.this.values.remove(childName(name, labelNames, values));
                }
            };
        }

        /** A child's name as {@link #value} reads it: {@code name{a="1",b="2"}}. */
        public static String childName(String name, List<String> labelNames, List<String> values) {
            StringBuilder sb = new StringBuilder(name).append('{');
            for (int i = 0; i < labelNames.size(); i++) {
                sb.append(i == 0 ? "" : ",").append(labelNames.get(i)).append("=\"").append(values.get(i)).append('"');
            }
            return sb.append('}').toString();
        }

        /** Whether a metric (or family child, by {@link #childName}) exists. */
        public boolean has(String name) {
            return values.containsKey(name);
        }

        /** The current value, 0 when the metric was never touched. */
        public double value(String name) {
            DoubleAdder a = values.get(name);
            return a == null ? 0 : a.sum();
        }
    }
}
