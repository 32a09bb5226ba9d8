package io.flowwatch.runtime;

import io.flowwatch.api.FlowwatchException;
import io.flowwatch.api.FlowwatchException.Problem;
import io.flowwatch.runtime.config.AgentConfig;
import io.flowwatch.runtime.config.ConfigLoader;
import io.flowwatch.runtime.logging.SecretMasker;
import io.flowwatch.runtime.plugin.PluginCatalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Keeps one {@link Agent} running and replaces it on reload. A reload reads {@code agent.conf}
 * and the rule files again and builds the whole new agent off to the side; only when that
 * succeeds does it stop the old one (its sources finish their batch and commit) and start the
 * new one, which keeps the state of rules whose definition did not change. A config with
 * problems is refused: they are logged, {@code flowwatch_config_reload_failure_total} goes up and
 * the old agent keeps running untouched.
 */
public final class AgentSupervisor {

    private static final Logger log = LoggerFactory.getLogger(AgentSupervisor.class);
    private static final Duration RELOAD_STOP_DEADLINE = Duration.ofSeconds(10);

    private final Path configFile;
    private final PluginCatalog catalog;
    private final Clock clock;
    private final ConfigLoader loader;
    private Agent agent;
    private Thread watcher;
    private volatile boolean stopped;

    public AgentSupervisor(Path configFile, PluginCatalog catalog, Clock clock, ConfigLoader loader) {
        this.configFile = configFile;
        this.catalog = catalog;
        this.clock = clock;
        this.loader = loader;
    }

    /** Starts the first agent; throws {@link FlowwatchException} on problems. */
    public synchronized void start(AgentConfig config) {
        Agent first = new Agent(config, catalog, clock, false);
        try {
            first.start();
        } catch (RuntimeException e) {
            first.shutdown(Duration.ofSeconds(1));
            throw e;
        }
        agent = first;
        if (config.watchRules()) {
            watcher = new Thread(this::watch, "config-watcher");
            watcher.setDaemon(true);
            watcher.start();
        }
    }

    public synchronized Agent agent() {
        return agent;
    }

    /**
     * Reloads agent.conf and the rule files. Returns true when the new configuration runs, false
     * when it was refused (the old one still runs).
     */
    public synchronized boolean reload() {
        if (stopped || agent == null) {
            return false;
        }
        log.info("agent: reloading {}", configFile);
        ConfigLoader.Loaded loaded = loader.load(configFile);
        if (!loaded.ok()) {
            return refuse(loaded.problems());
        }
        AgentConfig next = loaded.config();
        if (!next.pluginsDir().toAbsolutePath().normalize().equals(agent.config().pluginsDir().toAbsolutePath().normalize())) {
            log.warn("agent: plugins-dir changed to {}; plugins load only at start, restart to use them", next.pluginsDir());
        }
        Agent replacement = new Agent(next, catalog, clock, false, agent);
        try {
            replacement.prepare();
        } catch (FlowwatchException e) {
            return refuse(e.problems().isEmpty() ? List.of(new Problem(configFile.toString(), "", e.getMessage())) : e.problems());
        }
        agent.shutdown(RELOAD_STOP_DEADLINE);
        try {
            replacement.start();
        } catch (RuntimeException e) {
            // The new graph was valid but could not start (say, the HTTP port is taken now): go back to the old config.
            log.error("agent: the reloaded configuration failed to start ({}); restarting the previous one", SecretMasker.mask(e.getMessage()));
            replacement.shutdown(Duration.ofSeconds(1));
            agent.metrics().configReloadFailures.inc();
            agent.metrics().configLastReloadSuccessful.set(0);
            Agent back = new Agent(agent.config(), catalog, clock, false, agent);
            back.start();
            agent = back;
            return false;
        }
        agent.closeRulesExcept(replacement.ruleInstances());
        agent = replacement;
        agent.metrics().configLastReloadSuccessful.set(1);
        log.info("agent: reloaded {}", configFile);
        return true;
    }

    private boolean refuse(List<Problem> problems) {
        agent.metrics().configReloadFailures.inc();
        agent.metrics().configLastReloadSuccessful.set(0);
        log.error("agent: reload refused, {} problem(s); the running configuration stays in force:", problems.size());
        for (Problem p : problems) {
            log.error("agent:   {}", SecretMasker.mask(p.toString()));
        }
        return false;
    }

    /** Stops the agent: sources finish and commit, notifiers deliver what they can by the deadline. */
    public void stop(Duration deadline) {
        stopped = true;
        Thread w = watcher;
        if (w != null) {
            w.interrupt();
        }
        synchronized (this) {
            if (agent != null) {
                agent.shutdown(deadline);
                agent.closeRulesExcept(java.util.Set.of());
            }
        }
    }

    /** Polls agent.conf and the rule files for changes (watch-rules = true). */
    private void watch() {
        Map<Path, Long> seen = stamps();
        while (!stopped) {
            try {
                Thread.sleep(2000);
            } catch (InterruptedException e) {
                return;
            }
            Map<Path, Long> now = stamps();
            if (!now.equals(seen)) {
                seen = now;
                log.info("agent: configuration files changed");
                reload();
                seen = stamps(); // a reload may have changed the set of rule files
            }
        }
    }

    private Map<Path, Long> stamps() {
        Map<Path, Long> out = new TreeMap<>();
        List<Path> files = new ArrayList<>();
        files.add(configFile);
        Agent a = agent();
        if (a != null) {
            for (var rc : a.config().rules()) {
                String origin = rc.origin();
                int colon = origin.lastIndexOf(':');
                files.add(Path.of(colon > 0 ? origin.substring(0, colon) : origin));
            }
            // New files matching a glob count too: list the directories the globs start from.
            for (String glob : a.config().ruleGlobs()) {
                Path base = configFile.toAbsolutePath().getParent().resolve(glob).getParent();
                if (base != null && Files.isDirectory(base)) {
                    files.add(base);
                }
            }
        }
        for (Path f : files) {
            try {
                out.put(f, Files.getLastModifiedTime(f).toMillis() ^ (Files.isDirectory(f) ? 0 : Files.size(f)));
            } catch (IOException e) {
                out.put(f, -1L);
            }
        }
        return out;
    }
}
