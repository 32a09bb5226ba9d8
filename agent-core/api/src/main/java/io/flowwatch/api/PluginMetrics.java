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

    /**
     * A gauge family with labels of the plugin's choosing, after the instance's label. Only for
     * label values the plugin bounds itself (a rule's {@code max-keys}, say): every child lives
     * until {@link Family#remove}d.
     */
    Family<Gauge> gaugeFamily(String name, String help, java.util.List<String> labelNames);

    /** A counter family with labels of the plugin's choosing; the same caveats as {@link #gaugeFamily}. */
    Family<Counter> counterFamily(String name, String help, java.util.List<String> labelNames);

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

    /** Metrics sharing a name, one child per combination of label values. */
    interface Family<M> {
        /** The child for these values (in the order of the family's label names), created when new. */
        M labels(java.util.List<String> values);

        /** Forgets a child, e.g. when its key is evicted. */
        void remove(java.util.List<String> values);
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

        @Override
        public Family<Gauge> gaugeFamily(String name, String help, java.util.List<String> labelNames) {
            return new Family<>() {
                @Override
                public Gauge labels(java.util.List<String> values) {
                    return value -> { };
                }

                @Override
                public void remove(java.util.List<String> values) {
                }
            };
        }

        @Override
        public Family<Counter> counterFamily(String name, String help, java.util.List<String> labelNames) {
            return new Family<>() {
                @Override
                public Counter labels(java.util.List<String> values) {
                    return amount -> { };
                }

                @Override
                public void remove(java.util.List<String> values) {
                }
            };
        }
    };
}
