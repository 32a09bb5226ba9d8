package io.flowwatch.runtime.metrics;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.prometheus.client.Gauge;
import io.prometheus.client.hotspot.DefaultExports;

/**
 * The agent's self-metrics on one injected registry (never the global default, so tests and
 * reloads stay independent). Label values are config names only: source, rule, notifier.
 */
public final class AgentMetrics {

    private final CollectorRegistry registry;

    public final Counter linesRead;
    public final Counter recordsParsed;
    public final Counter recordsMalformed;
    public final Counter sourceErrors;
    public final Gauge sourceLag;
    public final Gauge sourceUp;
    public final Gauge watermark;
    public final Counter lateRecords;
    public final Counter ruleEvaluations;
    public final Gauge alertsFiring;
    public final Counter alertsRaised;
    public final Counter notificationsSent;
    public final Counter notificationsFailed;
    public final Counter notificationsRetried;
    public final Counter notificationsDropped;
    public final Gauge outboxDepth;
    public final Counter queryRuns;
    public final Counter queryRunsSkipped;
    public final Counter queryFailures;
    public final Gauge queryDuration;
    public final Counter checkpointsCommitted;
    public final Counter checkpointFailures;
    public final Gauge checkpointDuration;
    public final Counter ruleStateSaveFailures;
    public final Counter ruleStateRestoreFailures;
    public final Counter stateWriteFailures;
    public final Counter configReloadFailures;
    public final Gauge configLastReloadSuccessful;
    public final Gauge buildInfo;

    public AgentMetrics(CollectorRegistry registry, boolean jvm) {
        this.registry = registry;
        linesRead = Counter.build("flowwatch_records_read_total", "Non-blank lines and typed records read from a source.")
                .labelNames("source").register(registry);
        recordsParsed = Counter.build("flowwatch_records_parsed_total", "Records parsed successfully.")
                .labelNames("source").register(registry);
        recordsMalformed = Counter.build("flowwatch_records_malformed_total", "Lines that were not valid records of their format, skipped.")
                .labelNames("source").register(registry);
        sourceErrors = Counter.build("flowwatch_source_errors_total", "Failed polls of a source (retried with backoff).")
                .labelNames("source").register(registry);
        sourceLag = Gauge.build("flowwatch_source_lag_seconds", "Wall-clock time minus the newest record event time read from the source.")
                .labelNames("source").register(registry);
        sourceUp = Gauge.build("flowwatch_source_up", "1 when the source's last poll succeeded, 0 when it is failing.")
                .labelNames("source").register(registry);
        watermark = Gauge.build("flowwatch_watermark_seconds", "Event-time watermark of the rule engine (epoch seconds).")
                .register(registry);
        lateRecords = Counter.build("flowwatch_records_late_total", "Records older than the watermark when they arrived.")
                .labelNames("source").register(registry);
        ruleEvaluations = Counter.build("flowwatch_rule_evaluations_total", "Records evaluated by a rule.")
                .labelNames("rule").register(registry);
        alertsFiring = Gauge.build("flowwatch_alerts_firing", "Alerts currently firing, per rule.")
                .labelNames("rule").register(registry);
        alertsRaised = Counter.build("flowwatch_alerts_total", "Alert notifications raised (firing, repeat and resolved), per rule.")
                .labelNames("rule", "state").register(registry);
        notificationsSent = Counter.build("flowwatch_notifications_sent_total", "Notifications delivered.")
                .labelNames("notifier").register(registry);
        notificationsFailed = Counter.build("flowwatch_notifications_failed_total",
                "Notifications given up on: the receiver refused them for good (4xx other than 429, bad address).")
                .labelNames("notifier").register(registry);
        notificationsRetried = Counter.build("flowwatch_notifications_retried_total",
                "Delivery attempts that failed and will be tried again (5xx, 429, network).")
                .labelNames("notifier").register(registry);
        notificationsDropped = Counter.build("flowwatch_notifications_dropped_total",
                "Notifications dropped undelivered because the outbox was full (oldest first) or an entry was unreadable.")
                .labelNames("notifier").register(registry);
        outboxDepth = Gauge.build("flowwatch_outbox_depth", "Notifications waiting in the durable outbox.")
                .labelNames("notifier").register(registry);
        queryRuns = Counter.build("flowwatch_query_runs_total", "Scheduled query rule runs that completed.")
                .labelNames("rule").register(registry);
        queryRunsSkipped = Counter.build("flowwatch_query_runs_skipped_total",
                "Scheduled turns of a query rule skipped because its previous run was still going.")
                .labelNames("rule").register(registry);
        queryFailures = Counter.build("flowwatch_query_failures_total", "Scheduled query rule runs that failed.")
                .labelNames("rule").register(registry);
        queryDuration = Gauge.build("flowwatch_query_duration_seconds", "Duration of the last run of a query rule.")
                .labelNames("rule").register(registry);
        checkpointsCommitted = Counter.build("flowwatch_checkpoints_committed_total",
                        "Checkpoints (source positions with rule state) written to state-dir that advanced a source's positions.")
                .labelNames("source").register(registry);
        checkpointFailures = Counter.build("flowwatch_checkpoint_failures_total",
                        "Failed checkpoint writes while a source had positions to commit.")
                .labelNames("source").register(registry);
        checkpointDuration = Gauge.build("flowwatch_checkpoint_duration_seconds",
                "Time the last checkpoint took to write, rule state included.").register(registry);
        ruleStateSaveFailures = Counter.build("flowwatch_rule_checkpoint_save_failures_total",
                "Checkpoints that left a rule's state out because the rule failed to save it.")
                .labelNames("rule").register(registry);
        ruleStateRestoreFailures = Counter.build("flowwatch_rule_checkpoint_restore_failures_total",
                "Starts at which a rule's saved state could not be read, so it started fresh.")
                .labelNames("rule").register(registry);
        stateWriteFailures = Counter.build("flowwatch_state_write_failures_total",
                "Failed writes to state-dir (disk full, I/O error), by file: checkpoint, outbox or alert-state. Each is retried.")
                .labelNames("file").register(registry);
        configReloadFailures = Counter.build("flowwatch_config_reload_failure_total", "Reloads refused because the new config had problems.")
                .register(registry);
        // A gauge besides the counter (as Prometheus has for itself): an alert on it stays firing
        // until a reload succeeds, where one on the counter's increase would resolve by itself.
        configLastReloadSuccessful = Gauge.build("flowwatch_config_last_reload_successful",
                "1 when the last reload (or the start) took the configuration, 0 when the last reload was refused.")
                .register(registry);
        configLastReloadSuccessful.set(1);
        buildInfo = Gauge.build("flowwatch_build_info", "Always 1; the version label says which flowwatch runs.")
                .labelNames("version").register(registry);
        if (jvm) {
            DefaultExports.register(registry);
        }
    }

    public CollectorRegistry registry() {
        return registry;
    }
}
