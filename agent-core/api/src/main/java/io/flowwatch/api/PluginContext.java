package io.flowwatch.api;

import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.ThreadFactory;

/**
 * What the runtime gives a plugin instance. The runtime owns time, threads, state and metrics;
 * a plugin asks for them here instead of reaching for globals, so tests can control them.
 */
public interface PluginContext {

    /** The instance name from config (e.g. the source's key under {@code flowwatch.sources}). */
    String name();

    /** The clock to use for all wall-clock decisions; never call {@code System.currentTimeMillis()} in logic. */
    Clock clock();

    /**
     * A directory private to this instance inside the agent's {@code state-dir}, created on first
     * call. Plugins keep caches here; positions are committed by the runtime, not written here.
     */
    Path stateDir();

    /** Metrics that carry this instance's identity as a label; see {@link PluginMetrics}. */
    PluginMetrics metrics();

    /** Named daemon threads owned by the runtime, for plugins that need background I/O. */
    ThreadFactory threadFactory();

}
