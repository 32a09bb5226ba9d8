package io.flowwatch.runtime.query;

import io.flowwatch.api.notify.Alert;
import io.flowwatch.api.query.QueryEngine;
import io.flowwatch.api.rule.Signal;
import io.flowwatch.runtime.alert.AlertTracker;
import io.flowwatch.runtime.metrics.AgentMetrics;
import io.flowwatch.runtime.notify.NotificationDispatcher;
import io.flowwatch.runtime.notify.NotificationDispatcher.Routed;
import io.flowwatch.runtime.logging.SecretMasker;
import io.prometheus.client.Counter;
import io.prometheus.client.Gauge;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs the query rules on their schedules. Each run covers {@code [previous run, this run)} minus
 * {@code delay}, passed to the SQL as {@code ${window_start}} and {@code ${window_end}} (epoch
 * seconds, bound by the engine as values). A run that is still going when its next turn comes is
 * not stacked: the turn is skipped and counted, and the next run covers the longer window.
 */
public final class QueryRuleRunner {

    private static final Logger log = LoggerFactory.getLogger(QueryRuleRunner.class);

    /** One rule's schedule state. */
    private static final class Scheduled {
        final QueryRuleSpec spec;
        final AlertTracker tracker;
        final AtomicBoolean running = new AtomicBoolean();
        long lastWindowEnd = Long.MIN_VALUE;
        Set<Map<String, String>> firing = Set.of();

        Scheduled(QueryRuleSpec spec) {
            this.spec = spec;
            this.tracker = new AlertTracker(spec.rule().spec(), spec.rule().repeatInterval());
        }
    }

    private final List<Scheduled> rules = new ArrayList<>();
    private final Map<String, QueryEngine> engines;
    private final NotificationDispatcher dispatcher;
    private final Clock clock;
    private final Counter runs;
    private final Counter skipped;
    private final Counter failures;
    private final Gauge lastDuration;
    private final AgentMetrics metrics;
    private ScheduledExecutorService executor;

    public QueryRuleRunner(List<QueryRuleSpec> specs, Map<String, QueryEngine> engines, NotificationDispatcher dispatcher,
                           AgentMetrics metrics, Clock clock) {
        specs.forEach(s -> rules.add(new Scheduled(s)));
        this.engines = engines;
        this.dispatcher = dispatcher;
        this.clock = clock;
        this.metrics = metrics;
        this.runs = metrics.queryRuns;
        this.skipped = metrics.queryRunsSkipped;
        this.failures = metrics.queryFailures;
        this.lastDuration = metrics.queryDuration;
    }

    /** Starts one timer per rule, aligned to multiples of its schedule since the epoch. */
    public void start() {
        if (rules.isEmpty()) {
            return;
        }
        executor = Executors.newScheduledThreadPool(Math.min(2, rules.size()), r -> {
            Thread t = new Thread(r, "query-rules");
            t.setDaemon(true);
            return t;
        });
        for (Scheduled s : rules) {
            long period = s.spec.schedule().toMillis();
            long now = clock.millis();
            long firstDelay = period - Math.floorMod(now, period);
            executor.scheduleAtFixedRate(() -> turn(s), firstDelay, period, TimeUnit.MILLISECONDS);
            log.info("rule {}: query on engine {} every {}s, next at {}", s.spec.rule().name(), s.spec.engine(),
                    s.spec.schedule().toSeconds(), java.time.Instant.ofEpochMilli(now + firstDelay));
        }
    }

    private void turn(Scheduled s) {
        long tick = clock.millis() / 1000;
        tick -= Math.floorMod(tick, s.spec.schedule().toSeconds());
        tryTurn(s, tick);
    }

    /** One scheduled turn; false when skipped because the rule's previous run is still going. */
    boolean tryTurn(String rule, long tick) {
        for (Scheduled s : rules) {
            if (s.spec.rule().name().equals(rule)) {
                return tryTurn(s, tick);
            }
        }
        throw new IllegalArgumentException("no query rule " + rule);
    }

    private boolean tryTurn(Scheduled s, long tick) {
        // A slow run must not stack up turns behind it (or run twice at once from a reload): skip them.
        if (!s.running.compareAndSet(false, true)) {
            inc(skipped, s);
            log.warn("rule {}: previous run still going; turn at {} skipped", s.spec.rule().name(), java.time.Instant.ofEpochSecond(tick));
            return false;
        }
        try {
            runAt(s, tick);
            return true;
        } finally {
            s.running.set(false);
        }
    }

    /** Runs every rule once for the run time {@code tickEpochSeconds}; for tools and tests. */
    public List<Routed> runAll(long tickEpochSeconds) {
        List<Routed> out = new ArrayList<>();
        for (Scheduled s : rules) {
            out.addAll(runAt(s, tickEpochSeconds));
        }
        return out;
    }

    private List<Routed> runAt(Scheduled s, long tick) {
        QueryRuleSpec spec = s.spec;
        long end = tick - spec.delay().toSeconds();
        long start = s.lastWindowEnd == Long.MIN_VALUE ? end - spec.schedule().toSeconds() : s.lastWindowEnd;
        if (start >= end) {
            return List.of();
        }
        QueryEngine engine = engines.get(spec.engine());
        Map<String, Object> params = Map.of("window_start", start, "window_end", end);
        List<Map<String, Object>> rows = new ArrayList<>();
        long t0 = System.nanoTime();
        try {
            engine.execute(spec.sql(), params, spec.rowLimit(), new QueryEngine.RowSink() {
                List<String> names = List.of();

                @Override
                public void columns(List<String> columns) {
                    names = columns;
                }

                @Override
                public boolean row(List<Object> values) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 0; i < names.size() && i < values.size(); i++) {
                        row.put(names.get(i), values.get(i));
                    }
                    rows.add(row);
                    return true;
                }
            });
        } catch (Exception e) {
            inc(failures, s);
            log.error("rule {}: query on engine {} failed for window {}..{}: {}", spec.rule().name(), spec.engine(),
                    java.time.Instant.ofEpochSecond(start), java.time.Instant.ofEpochSecond(end), SecretMasker.mask(String.valueOf(e.getMessage())));
            return List.of(); // the window is tried again next time
        }
        lastDuration.labels(spec.rule().name()).set((System.nanoTime() - t0) / 1e9);
        inc(runs, s);
        s.lastWindowEnd = end;
        List<Routed> out = new ArrayList<>();
        Set<Map<String, String>> breached = new HashSet<>();
        for (Map<String, Object> row : rows) {
            Double value = spec.value() == null ? Double.valueOf(1) : number(row.get(spec.value()));
            if (spec.value() != null && value == null) {
                log.warn("rule {}: column '{}' is not a number in row {}; row skipped", spec.rule().name(), spec.value(), row);
                continue;
            }
            if (spec.threshold() != null && value < spec.threshold()) {
                continue;
            }
            Map<String, String> key = new TreeMap<>();
            for (String k : spec.key()) {
                key.put(k, String.valueOf(row.get(k)));
            }
            if (!breached.add(key)) {
                continue;
            }
            Signal sig = new Signal(key, value, spec.threshold() == null ? 0 : spec.threshold(), start, end, summary(spec, row), List.of());
            Alert a = s.tracker.onFiring(sig);
            if (a != null) {
                out.add(new Routed(a, spec.rule().notifiers()));
            }
        }
        for (Map<String, String> k : s.firing) {
            if (!breached.contains(k)) {
                Alert a = s.tracker.onResolved(k, end);
                if (a != null) {
                    out.add(new Routed(a, spec.rule().notifiers()));
                }
            }
        }
        s.firing = breached;
        metrics.alertsFiring.labels(spec.rule().name()).set(s.tracker.firingCount());
        for (Routed r : out) {
            metrics.alertsRaised.labels(spec.rule().name(), r.alert().state().wireName()).inc();
        }
        dispatcher.dispatch(out);
        return out;
    }

    private static String summary(QueryRuleSpec spec, Map<String, Object> row) {
        StringBuilder sb = new StringBuilder(spec.rule().name()).append(':');
        row.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
        return sb.toString();
    }

    private static Double number(Object v) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        try {
            return v == null ? null : Double.valueOf(v.toString());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private void inc(Counter c, Scheduled s) {
        c.labels(s.spec.rule().name()).inc();
    }

    /** Firing keys per query rule, for the status page. */
    public Map<String, Integer> firingCounts() {
        Map<String, Integer> out = new LinkedHashMap<>();
        rules.forEach(s -> out.put(s.spec.rule().name(), s.tracker.firingCount()));
        return out;
    }

    public void stop() {
        if (executor != null) {
            executor.shutdownNow();
            try {
                executor.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
