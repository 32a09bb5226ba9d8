package io.flowwatch.runtime.cli;

import io.flowwatch.api.FlowwatchException;
import io.flowwatch.runtime.Agent;
import io.flowwatch.runtime.AgentSupervisor;
import io.flowwatch.runtime.config.AgentConfig;
import io.flowwatch.runtime.config.ConfigLoader;
import io.flowwatch.runtime.plugin.PluginRuntime;
import io.flowwatch.runtime.state.StateDir;
import io.flowwatch.runtime.state.StateDirLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Runs an agent in the foreground for {@code run} and {@code demo}: loads plugins, starts, waits
 * for the end of input ({@code --once}) or SIGTERM/SIGINT, then shuts down cleanly and exits 0.
 * SIGHUP reloads the configuration (see {@link AgentSupervisor}). The state-dir is locked for the
 * whole run ({@link StateDirLock}): a second agent on it is refused, exit 1.
 */
final class AgentLauncher {

    private static final Logger log = LoggerFactory.getLogger(AgentLauncher.class);
    private static final Duration SHUTDOWN_DEADLINE = Duration.ofSeconds(20);

    private AgentLauncher() {
    }

    static int run(ConfigLoader.Loaded loaded, boolean once, PrintStream err) {
        if (!loaded.ok()) {
            Problems.print(err, loaded.problems());
            return FlowwatchCommand.USAGE;
        }
        AgentConfig config = loaded.config();
        // From the first moment: SIGHUP's default action would end the JVM (systemctl reload during start-up).
        ReloadSignal hup = once ? null : ReloadSignal.install();
        log.info("agent: starting (config {}, pid {})", config.configFile(), ProcessHandle.current().pid());
        StateDirLock lock;
        try {
            StateDir.prepare(config.stateDir());
        } catch (FlowwatchException e) {
            printProblems(err, e);
            return FlowwatchCommand.USAGE;
        }
        try {
            lock = StateDirLock.acquire(config.stateDir());
        } catch (FlowwatchException e) {
            // Not a config error (exit 2 stops systemd's restarts): the other agent may go away.
            printProblems(err, e);
            return FlowwatchCommand.FAILED;
        }
        try (lock; PluginRuntime plugins = PluginRuntime.load(config.pluginsDir())) {
            CountDownLatch stop = new CountDownLatch(1);
            // Handle TERM/INT ourselves: a JVM shutdown hook would exit 143, and systemd expects 0 after a clean stop.
            Signal.handle(new Signal("TERM"), s -> stop.countDown());
            Signal.handle(new Signal("INT"), s -> stop.countDown());
            if (once) {
                return runOnce(config, plugins, stop, err);
            }
            AgentSupervisor supervisor = new AgentSupervisor(config.configFile(), plugins.catalog(), Clock.systemUTC(), new ConfigLoader());
            try {
                supervisor.start(config);
            } catch (FlowwatchException e) {
                printProblems(err, e);
                return FlowwatchCommand.USAGE;
            }
            hup.ready(supervisor::reload);
            stop.await();
            supervisor.stop(SHUTDOWN_DEADLINE);
            return FlowwatchCommand.OK;
        } catch (IOException e) {
            err.println("flowwatch: cannot load plugins from " + config.pluginsDir() + ": " + e.getMessage());
            return FlowwatchCommand.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return FlowwatchCommand.FAILED;
        }
    }

    /**
     * SIGHUP, taken over before anything else: a HUP that arrives while the agent is still
     * starting is kept and acted on once it runs. Reloads run off the signal thread, since they
     * wait for sources to finish their batch.
     */
    private static final class ReloadSignal {
        private Runnable reload;
        private boolean pending;

        static ReloadSignal install() {
            ReloadSignal r = new ReloadSignal();
            Signal.handle(new Signal("HUP"), s -> r.signalled());
            return r;
        }

        private synchronized void signalled() {
            if (reload == null) {
                log.info("agent: SIGHUP while starting; reloading once started");
                pending = true;
            } else {
                start(reload);
            }
        }

        synchronized void ready(Runnable action) {
            reload = action;
            if (pending) {
                pending = false;
                start(action);
            }
        }

        private static void start(Runnable action) {
            Thread t = new Thread(action, "reload");
            t.setDaemon(true);
            t.start();
        }
    }

    private static int runOnce(AgentConfig config, PluginRuntime plugins, CountDownLatch stop, PrintStream err)
            throws InterruptedException {
        Signal.handle(new Signal("HUP"), s -> log.warn("agent: SIGHUP ignored: run --once does not reload"));
        Agent agent = new Agent(config, plugins.catalog(), Clock.systemUTC(), true);
        try {
            agent.start();
        } catch (FlowwatchException e) {
            agent.shutdown(Duration.ofSeconds(1));
            printProblems(err, e);
            return FlowwatchCommand.USAGE;
        }
        Thread waiter = new Thread(() -> {
            try {
                agent.awaitSources();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            stop.countDown();
        }, "once-waiter");
        waiter.setDaemon(true);
        waiter.start();
        stop.await();
        agent.shutdown(SHUTDOWN_DEADLINE);
        agent.closeRulesExcept(java.util.Set.of());
        return FlowwatchCommand.OK;
    }

    static void printProblems(PrintStream err, FlowwatchException e) {
        if (e.problems().isEmpty()) {
            err.println("flowwatch: " + io.flowwatch.runtime.logging.SecretMasker.mask(e.getMessage()));
        } else {
            Problems.print(err, List.copyOf(e.problems()));
        }
    }
}
