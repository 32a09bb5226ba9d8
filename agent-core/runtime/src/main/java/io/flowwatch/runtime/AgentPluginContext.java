package io.flowwatch.runtime;

import io.flowwatch.api.PluginContext;
import io.flowwatch.api.PluginMetrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** The context of one plugin instance: its name, the agent's clock, its state directory, labelled metrics, named threads. */
final class AgentPluginContext implements PluginContext {

    private final String name;
    private final Clock clock;
    private final Path stateDir;
    private final PluginMetrics metrics;
    private final String threadPrefix;
    private final AtomicInteger threads = new AtomicInteger();

    AgentPluginContext(String name, Clock clock, Path stateDir, PluginMetrics metrics, String threadPrefix) {
        this.name = name;
        this.clock = clock;
        this.stateDir = stateDir;
        this.metrics = metrics;
        this.threadPrefix = threadPrefix;
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
        try {
            return Files.createDirectories(stateDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + stateDir, e);
        }
    }

    @Override
    public PluginMetrics metrics() {
        return metrics;
    }

    @Override
    public ThreadFactory threadFactory() {
        return r -> {
            Thread t = new Thread(r, threadPrefix + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
