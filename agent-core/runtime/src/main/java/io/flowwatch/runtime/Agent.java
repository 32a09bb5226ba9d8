package io.flowwatch.runtime;

import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.source.Source;
import io.flowwatch.runtime.alert.RecentAlerts;
import io.flowwatch.runtime.config.AgentConfig;
import io.flowwatch.runtime.http.HttpEndpoint;
import io.flowwatch.runtime.metrics.AgentMetrics;
import io.flowwatch.runtime.metrics.PluginMetricsFacade;
import io.flowwatch.runtime.notify.NotificationDispatcher;
import io.flowwatch.runtime.pipeline.BoundRule;
import io.flowwatch.runtime.pipeline.Checkpointer;
import io.flowwatch.runtime.pipeline.RuleEngine;
import io.flowwatch.runtime.pipeline.SourceRunner;
import io.flowwatch.runtime.plugin.PluginCatalog;
import io.flowwatch.runtime.plugin.PluginRuntime;
import io.flowwatch.runtime.query.QueryRuleRunner;
import io.flowwatch.runtime.state.AlertStateStore;
import io.flowwatch.runtime.state.CheckpointStore;
import io.flowwatch.runtime.state.StateDir;
import io.prometheus.client.CollectorRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The composition root: wires config, plugins, pipeline, notifiers and HTTP by hand. The one
 * place that knows how the parts fit; everything else receives what it needs.
 */
public final class Agent implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Agent.class);
    /** Alerts the status page lists; enough for an incident's worth of context, small enough to render every 10 s. */
    private static final int RECENT_ALERTS = 50;

    private final AgentConfig config;
    private final PluginCatalog catalog;
    private final Clock clock;
    private final boolean once;
    private final CollectorRegistry registry;
    private final PluginMetricsFacade.Shared pluginMetrics;
    private final Map<String, BoundRule> previousRules;
    private final List<SourceRunner> runners = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    private final AgentMetrics metrics;
    private RuleEngine engine;
    private NotificationDispatcher dispatcher;
    private HttpEndpoint http;
    private QueryRuleRunner queryRules;
    private Map<String, Source> sources = Map.of();
    private RecentAlerts recentAlerts;
    private Instant startedAt;
    private SourceHealth health;
    private java.util.concurrent.ScheduledExecutorService healthTicker;

    private AgentAssembler.Assembled graph;

    public Agent(AgentConfig config, PluginCatalog catalog, Clock clock, boolean once) {
        this(config, catalog, clock, once, null);
    }

    /**
     * An agent that takes over from {@code previous} on a reload: the same metrics registry (so
     * counters continue), and the instances and state of rules whose definition did not change.
     */
    public Agent(AgentConfig config, PluginCatalog catalog, Clock clock, boolean once, Agent previous) {
        this.config = config;
        this.catalog = catalog;
        this.clock = clock;
        this.once = once;
        if (previous == null) {
            registry = new CollectorRegistry(true);
            pluginMetrics = new PluginMetricsFacade.Shared(registry);
            metrics = new AgentMetrics(registry, true);
            metrics.buildInfo.labels(PluginRuntime.versionOfRuntime()).set(1);
            previousRules = Map.of();
        } else {
            registry = previous.registry;
            pluginMetrics = previous.pluginMetrics;
            metrics = previous.metrics;
            Map<String, BoundRule> rules = new java.util.HashMap<>();
            if (previous.engine != null) {
                previous.engine.rules().forEach(b -> rules.put(b.config().name(), b));
            }
            previousRules = rules;
        }
    }

    /**
     * Builds every instance off to the side, without starting anything: a reload calls this while
     * the old agent still runs, and keeps the old one when it throws.
     */
    public void prepare() {
        if (graph == null) {
            graph = new AgentAssembler(catalog, clock, pluginMetrics).assemble(config, previousRules);
        }
    }

    public AgentConfig config() {
        return config;
    }

    public AgentMetrics metrics() {
        return metrics;
    }

    /** Prepares state, builds every instance, opens HTTP and starts one thread per source. Throws on any problem. */
    public void start() {
        startedAt = clock.instant();
        recentAlerts = new RecentAlerts(RECENT_ALERTS, clock);
        StateDir.prepare(config.stateDir());
        prepare();
        sources = graph.sources();
        Checkpointer checkpointer;
        try {
            checkpointer = new Checkpointer(new CheckpointStore(config.stateDir(), metrics), config.checkpointInterval(), clock, metrics);
        } catch (java.io.IOException e) {
            throw new io.flowwatch.api.FlowwatchException("state-dir " + config.stateDir() + ": cannot read the last checkpoint: "
                    + e.getMessage() + " (move the file aside to start every source from its configured start)", e);
        }
        // Rules a reload kept already hold their state; the others go on from the last checkpoint.
        checkpointer.restore(graph.rules().stream().filter(b -> !keptFromPrevious(b)).toList());
        engine = new RuleEngine(graph.rules(), config.allowedLateness(), metrics, new AlertStateStore(config.stateDir(), metrics),
                checkpointer);
        dispatcher = new NotificationDispatcher(graph.notifiers(), graph.delivery(), config.stateDir().resolve("outbox"), metrics,
                recentAlerts);
        try {
            dispatcher.start();
        } catch (java.io.IOException e) {
            throw new io.flowwatch.api.FlowwatchException("state-dir " + config.stateDir() + ": cannot open the notification outbox: " + e.getMessage(), e);
        }
        if (!once) {
            // Scheduled queries follow the wall clock; a --once replay has no schedule to keep.
            queryRules = new QueryRuleRunner(graph.queryRules(), graph.queryEngines(), dispatcher, metrics, clock);
            queryRules.start();
        }
        health = new SourceHealth(config.http().health());
        if (config.http().enabled()) {
            http = HttpEndpoint.start(config.http(), registry, this::status);
        }
        for (Map.Entry<String, Source> e : sources.entrySet()) {
            SourceRunner runner = new SourceRunner(e.getKey(), e.getValue(), FlowFormat.DEFAULT, engine, dispatcher,
                    metrics, clock, config.pollTimeout(), once);
            runners.add(runner);
            engine.register(e.getKey());
        }
        for (SourceRunner r : runners) {
            Thread t = new Thread(r, "source-" + r.name());
            threads.add(t);
            t.start();
        }
        if (http != null) {
            // Failing-since needs watching between requests, and the lag gauge has to grow while a
            // source delivers nothing (the runner sets it only when records arrive).
            healthTicker = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "health");
                t.setDaemon(true);
                return t;
            });
            healthTicker.scheduleWithFixedDelay(this::observeSources, 1, 1, java.util.concurrent.TimeUnit.SECONDS);
        }
        long kept = graph.rules().stream().filter(this::keptFromPrevious).count();
        log.info("agent: started with {} source(s), {} rule(s), {} notifier(s){}{}", sources.size(), graph.rules().size(),
                graph.notifiers().size(), once ? " (once)" : "", previousRules.isEmpty() ? "" : "; " + kept + " rule(s) kept their state");
        if (sources.isEmpty()) {
            log.warn("agent: no sources configured; nothing to read (add one under flowwatch.sources)");
        }
    }

    private boolean keptFromPrevious(BoundRule b) {
        BoundRule before = previousRules.get(b.config().name());
        return before != null && before.rule() == b.rule();
    }

    /** Waits until every source thread has ended (with {@code --once}: all input read). */
    public void awaitSources() throws InterruptedException {
        for (Thread t : threads) {
            t.join();
        }
    }

    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    public CollectorRegistry registry() {
        return registry;
    }

    /**
     * Stops sources (each finishes its batch in hand and commits), then notifiers and HTTP.
     * Waits up to {@code deadline} for the sources.
     */
    public void shutdown(Duration deadline) {
        for (SourceRunner r : runners) {
            r.stop();
        }
        long end = System.nanoTime() + deadline.toNanos();
        for (SourceRunner r : runners) {
            try {
                long left = Math.max(0, end - System.nanoTime());
                if (!r.awaitDone(Duration.ofNanos(left))) {
                    log.warn("source {}: did not stop within {}; its last batch will be re-read after restart", r.name(), deadline);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (queryRules != null) {
            queryRules.stop();
        }
        if (dispatcher != null) {
            // Deliver what is queued within what is left of the deadline; the rest waits on disk.
            dispatcher.close(Duration.ofNanos(Math.max(Duration.ofSeconds(1).toNanos(), end - System.nanoTime())));
        }
        if (healthTicker != null) {
            healthTicker.shutdownNow();
            healthTicker = null;
        }
        if (http != null) {
            http.close();
            http = null;
        }
        log.info("agent: stopped");
    }

    @Override
    public void close() {
        shutdown(Duration.ofSeconds(10));
        closeRulesExcept(java.util.Set.of());
    }

    /** The rule instances running now (a reload's successor may keep some of them). */
    public java.util.Set<io.flowwatch.api.rule.Rule> ruleInstances() {
        java.util.Set<io.flowwatch.api.rule.Rule> out = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        if (engine != null) {
            engine.rules().forEach(b -> out.add(b.rule()));
        }
        return out;
    }

    /**
     * Closes the rules (they save learned state) once the sources have stopped, except those a
     * successor took over.
     */
    public void closeRulesExcept(java.util.Set<io.flowwatch.api.rule.Rule> kept) {
        if (engine == null) {
            return;
        }
        for (BoundRule b : engine.rules()) {
            if (!kept.contains(b.rule())) {
                try {
                    b.rule().close();
                } catch (RuntimeException e) {
                    log.warn("rule {}: close failed: {}", b.config().name(), e.toString());
                }
            }
        }
    }

    /** Observes every source's health now and brings the lag gauge up to date. */
    private List<SourceHealth.View> observeSources() {
        List<SourceHealth.View> views = health.observe(List.copyOf(runners), clock.instant(),
                n -> engine.newestEventTime(n), n -> count("flowwatch_source_errors_total", "source", n));
        for (SourceHealth.View v : views) {
            if (v.lagSeconds() != null) {
                metrics.sourceLag.labels(v.name()).set(v.lagSeconds());
            }
        }
        return views;
    }

    private HttpEndpoint.Status status() {
        List<SourceRunner> rs = List.copyOf(runners);
        List<SourceHealth.View> views = observeSources();
        return new HttpEndpoint.Status() {
            @Override
            public boolean healthy() {
                return SourceHealth.healthy(views);
            }

            @Override
            public String healthJson() {
                return SourceHealth.json(views);
            }

            @Override
            public String statusHtml() {
                return StatusPage.html(statusView(rs));
            }
        };
    }

    /** Gathers the status page's view: runner state, tracker state and the self-metrics, read at request time. */
    private StatusPage.View statusView(List<SourceRunner> rs) {
        List<StatusPage.SourceRow> sourceRows = new ArrayList<>();
        for (SourceRunner r : rs) {
            String n = r.name();
            sourceRows.add(new StatusPage.SourceRow(n, r.healthy(), r.lastError(),
                    sample("flowwatch_source_lag_seconds", "source", n),
                    count("flowwatch_records_read_total", "source", n), count("flowwatch_records_parsed_total", "source", n),
                    count("flowwatch_records_malformed_total", "source", n), count("flowwatch_source_errors_total", "source", n)));
        }
        List<StatusPage.RuleRow> ruleRows = new ArrayList<>();
        if (engine != null) {
            Map<String, Integer> tracked = engine.trackedKeys();
            for (BoundRule b : engine.rules()) {
                String n = b.config().name();
                ruleRows.add(new StatusPage.RuleRow(n, b.config().spec().type(), b.config().spec().severity().configName(),
                        b.tracker().firing(), tracked.getOrDefault(n, -1)));
            }
        }
        List<StatusPage.NotifierRow> notifierRows = new ArrayList<>();
        if (dispatcher != null) {
            for (String n : dispatcher.names()) {
                notifierRows.add(new StatusPage.NotifierRow(n, dispatcher.depth(n),
                        count("flowwatch_notifications_sent_total", "notifier", n),
                        count("flowwatch_notifications_retried_total", "notifier", n),
                        count("flowwatch_notifications_failed_total", "notifier", n),
                        count("flowwatch_notifications_dropped_total", "notifier", n)));
            }
        }
        StatusPage.AgentInfo info = new StatusPage.AgentInfo(PluginRuntime.versionOfRuntime(), clock.instant(), startedAt,
                engine == null ? Long.MIN_VALUE : engine.watermark());
        return new StatusPage.View(info, sourceRows, ruleRows, recentAlerts.newestFirst(), notifierRows);
    }

    private Double sample(String metric, String label, String value) {
        return registry.getSampleValue(metric, new String[]{label}, new String[]{value});
    }

    private long count(String metric, String label, String value) {
        Double v = sample(metric, label, value);
        return v == null ? 0 : Math.round(v);
    }
}
