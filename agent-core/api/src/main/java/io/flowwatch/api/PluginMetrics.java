package io.flowwatch.api;

/**
 * A narrow metrics facade for plugins. The runtime prefixes names with {@code flowwatch_} and adds
 * the instance's label ({@code source}, {@code notifier}, ...), so a plugin cannot create
 * unbounded label sets from record values. Counters should end in {@code _total}; values use
 * base units (seconds, bytes).
 *
 * <p>Asking twice for the same name returns the same metric. Thread-safe.
 */
public interface PluginMetrics {

    Counter counter(String name, String help);

    Gauge gauge(String name, String help);

    /** A monotonically increasing count. */
    interface Counter {
        void inc(double amount);

        default void inc() {
            inc(1);
        }
    }

    /** A value that goes up and down. */
    interface Gauge {
        void set(double value);
    }

    /** Metrics that go nowhere, for tools and tests that do not scrape. */
    PluginMetrics NONE = new PluginMetrics() {
        @Override
        public Counter counter(String name, String help) {
            return amount -> { };
        }

        @Override
        public Gauge gauge(String name, String help) {
            return value -> { };
        }
    };
}
