package io.flowwatch.plugin.athena;

import io.flowwatch.api.FlowwatchException;
import io.flowwatch.api.PluginContext;
import io.flowwatch.api.PluginMetrics;
import io.flowwatch.api.query.QueryEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.model.ColumnInfo;
import software.amazon.awssdk.services.athena.model.Datum;
import software.amazon.awssdk.services.athena.model.GetQueryResultsResponse;
import software.amazon.awssdk.services.athena.model.QueryExecution;
import software.amazon.awssdk.services.athena.model.QueryExecutionState;
import software.amazon.awssdk.services.athena.model.QueryExecutionStatistics;
import software.amazon.awssdk.services.athena.model.Row;
import software.amazon.awssdk.services.athena.model.StartQueryExecutionRequest;
import software.amazon.awssdk.services.athena.model.StatementType;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * Runs flow-log SQL on Amazon Athena: StartQueryExecution, GetQueryExecution polled with a
 * doubling backoff until the query succeeds, fails or is cancelled, then GetQueryResults page by
 * page into the sink.
 *
 * <p><b>Limits.</b> A query that is not finished after {@code timeout}, or whose statistics show
 * more than {@code max-bytes-scanned} scanned, is stopped with StopQueryExecution and fails with a
 * message saying so. The scan limit is checked on the statistics Athena reports while the query
 * runs, so a query can overshoot it by what it scans between two polls; the workgroup's
 * BytesScannedCutoffPerQuery is the hard, server-side limit.
 *
 * <p><b>Retries.</b> Throttled calls (ThrottlingException, TooManyRequestsException, HTTP 429), 5xx
 * answers and network failures are retried with the poll backoff until the query's deadline; the
 * SDK's own retries are off so that only this loop decides. StartQueryExecution carries a
 * ClientRequestToken, so a retried start cannot run the query twice.
 *
 * <p><b>Threads.</b> {@link #execute} may be called from several threads at once; each call runs
 * its own query. The client is built on the first call and shared.
 */
final class AthenaQueryEngine implements QueryEngine {

    private static final Logger LOG = LoggerFactory.getLogger(AthenaQueryEngine.class);
    /** GetQueryResults' MaxResults may be at most 1000. */
    static final int PAGE_SIZE = 1000;

    private final AthenaQueryEngineConfig config;
    private final String name;
    private final Clock clock;
    private final Supplier<AthenaClient> clientFactory;
    private AthenaClient client;

    private final PluginMetrics.Counter bytesScanned;
    private final PluginMetrics.Counter queries;
    private final PluginMetrics.Family<PluginMetrics.Counter> failures;
    private final PluginMetrics.Counter retries;

    AthenaQueryEngine(AthenaQueryEngineConfig config, PluginContext ctx, Supplier<AthenaClient> clientFactory) {
        this.config = config;
        this.name = ctx.name();
        this.clock = ctx.clock();
        this.clientFactory = clientFactory;
        PluginMetrics m = ctx.metrics();
        bytesScanned = m.counter("athena_bytes_scanned_total",
                "Bytes Athena reported scanned by this engine's queries (what Athena bills), including failed and stopped ones.");
        queries = m.counter("athena_queries_total", "Athena queries started.");
        failures = m.counterFamily("athena_query_failures_total",
                "Athena queries that did not return results, by reason: failed, cancelled, timeout, scan_limit, error.",
                List.of("reason"));
        retries = m.counter("athena_api_retries_total", "Athena API calls retried after throttling, a 5xx answer or a network failure.");
    }

    private synchronized AthenaClient client() {
        if (client == null) {
            client = clientFactory.get();
        }
        return client;
    }

    @Override
    public void execute(String sql, Map<String, Object> parameters, long rowLimit, RowSink sink) throws Exception {
        AthenaStatement st;
        try {
            st = AthenaStatement.prepare(sql, parameters == null ? Map.of() : parameters, config.tableRef());
        } catch (IllegalArgumentException e) {
            throw new FlowwatchException("athena engine " + name + ": " + e.getMessage());
        }
        long limit = rowLimit > 0 ? Math.min(rowLimit, config.rowLimit()) : config.rowLimit();
        Instant deadline = clock.instant().plus(config.timeout());
        AthenaClient athena = client();

        StartQueryExecutionRequest.Builder start = StartQueryExecutionRequest.builder()
                .queryString(st.sql())
                .clientRequestToken(UUID.randomUUID().toString())
                .queryExecutionContext(c -> c.database(config.database()))
                .workGroup(config.workgroup());
        if (!st.parameters().isEmpty()) {
            start.executionParameters(st.parameters());
        }
        if (config.outputLocation() != null) {
            start.resultConfiguration(r -> r.outputLocation(config.outputLocation()));
        }
        if (!config.resultReuse().isZero()) {
            start.resultReuseConfiguration(r -> r.resultReuseByAgeConfiguration(a -> a.enabled(true)
                    .maxAgeInMinutes((int) config.resultReuse().toMinutes())));
        }
        StartQueryExecutionRequest startRequest = start.build();
        String id;
        try {
            id = call("StartQueryExecution", deadline, null, () -> athena.startQueryExecution(startRequest)).queryExecutionId();
        } catch (DeadlineException e) {
            throw new IllegalStateException("unreachable: a start without an id reports its own timeout", e);
        }
        queries.inc();

        QueryExecution qe;
        try {
            qe = awaitCompletion(athena, id, deadline);
        } catch (InterruptedException e) {
            stop(athena, id, "interrupted");
            failures.labels(List.of("error")).inc();
            throw e;
        }
        fetchResults(athena, id, qe, limit, sink, deadline);
    }

    /** Polls until a final state; stops the query and throws on timeout or the scan limit. */
    private QueryExecution awaitCompletion(AthenaClient athena, String id, Instant deadline) throws InterruptedException {
        Duration wait = config.pollInitial();
        long lastBytes = 0;
        while (true) {
            QueryExecution qe;
            try {
                qe = call("GetQueryExecution", deadline, id, () -> athena.getQueryExecution(r -> r.queryExecutionId(id))).queryExecution();
            } catch (DeadlineException e) {
                throw timedOut(athena, id, "UNKNOWN", lastBytes);
            } catch (FlowwatchException e) {
                // Access denied or the like: do not leave a query running (and billing) behind.
                stop(athena, id, "error");
                throw e;
            }
            QueryExecutionState state = qe.status().state();
            long bytes = bytes(qe.statistics());
            lastBytes = bytes;
            switch (state) {
                case SUCCEEDED -> {
                    bytesScanned.inc(bytes);
                    logDone(id, qe);
                    if (config.maxBytesScanned() > 0 && bytes > config.maxBytesScanned()) {
                        failures.labels(List.of("scan_limit")).inc();
                        throw new FlowwatchException("athena engine " + name + ": query " + id + " scanned " + bytes
                                + " bytes, more than max-bytes-scanned (" + config.maxBytesScanned() + "); its results are not used");
                    }
                    return qe;
                }
                case FAILED -> {
                    bytesScanned.inc(bytes);
                    logDone(id, qe);
                    failures.labels(List.of("failed")).inc();
                    String reason = qe.status().stateChangeReason();
                    var err = qe.status().athenaError();
                    String type = err == null || err.errorType() == null ? null
                            : "Athena error category " + err.errorCategory() + ", type " + err.errorType();
                    throw new FlowwatchException("athena engine " + name + ": query " + id + " FAILED: "
                            + (reason == null ? "(Athena gave no reason)" : reason) + (type == null ? "" : " [" + type + "]"));
                }
                case CANCELLED -> {
                    bytesScanned.inc(bytes);
                    logDone(id, qe);
                    failures.labels(List.of("cancelled")).inc();
                    String reason = qe.status().stateChangeReason();
                    throw new FlowwatchException("athena engine " + name + ": query " + id + " was CANCELLED"
                            + (reason == null ? " (by someone else: StopQueryExecution or the console)" : ": " + reason));
                }
                default -> {
                    // QUEUED or RUNNING.
                }
            }
            if (config.maxBytesScanned() > 0 && bytes > config.maxBytesScanned()) {
                stop(athena, id, "scan limit");
                bytesScanned.inc(bytes);
                failures.labels(List.of("scan_limit")).inc();
                LOG.warn("athena engine {}: query {} stopped: scanned {} bytes while {}, more than max-bytes-scanned ({})",
                        name, id, bytes, state, config.maxBytesScanned());
                throw new FlowwatchException("athena engine " + name + ": query " + id + " scanned " + bytes
                        + " bytes while " + state + ", more than max-bytes-scanned (" + config.maxBytesScanned()
                        + "); stopped it with StopQueryExecution");
            }
            Duration left = Duration.between(clock.instant(), deadline);
            if (left.isNegative() || left.isZero()) {
                throw timedOut(athena, id, state.toString(), bytes);
            }
            Thread.sleep(Math.max(1, Math.min(wait.toMillis(), left.toMillis())));
            wait = wait.multipliedBy(2).compareTo(config.pollMax()) > 0 ? config.pollMax() : wait.multipliedBy(2);
        }
    }

    private FlowwatchException timedOut(AthenaClient athena, String id, String state, long bytes) {
        stop(athena, id, "timeout");
        bytesScanned.inc(bytes);
        failures.labels(List.of("timeout")).inc();
        LOG.warn("athena engine {}: query {} stopped: not finished after timeout {} (state {}, {} bytes scanned)",
                name, id, config.timeout(), state, bytes);
        return new FlowwatchException("athena engine " + name + ": query " + id + " did not finish within the timeout of "
                + config.timeout() + " (state " + state + "); stopped it with StopQueryExecution");
    }

    /** Best effort: a failed stop is logged, the caller's error is what matters. */
    private void stop(AthenaClient athena, String id, String why) {
        // An interrupted caller still stops its query: the SDK would abort a call made with the flag set.
        boolean interrupted = Thread.interrupted();
        try {
            athena.stopQueryExecution(r -> r.queryExecutionId(id));
            LOG.info("athena engine {}: stopped query {} ({})", name, id, why);
        } catch (SdkException e) {
            LOG.warn("athena engine {}: StopQueryExecution for query {} ({}) failed: {}", name, id, why, e.getMessage());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void fetchResults(AthenaClient athena, String id, QueryExecution qe, long limit, RowSink sink, Instant deadline)
            throws InterruptedException {
        // Only a SELECT's result set starts with a row of column labels (Athena API reference, GetQueryResults).
        boolean header = qe.statementType() == null || qe.statementType() == StatementType.DML;
        String token = null;
        List<AthenaValues.Converter> converters = null;
        long rows = 0;
        boolean first = true;
        do {
            String t = token;
            GetQueryResultsResponse page;
            try {
                page = call("GetQueryResults", deadline.plus(config.aws().apiTimeout()), id, () -> athena.getQueryResults(r -> r
                        .queryExecutionId(id).maxResults(PAGE_SIZE).nextToken(t)));
            } catch (DeadlineException e) {
                throw new FlowwatchException("athena engine " + name + ": reading the results of query " + id
                        + " kept being throttled or failing until the timeout: " + e.getMessage());
            }
            if (converters == null) {
                List<ColumnInfo> cols = page.resultSet().resultSetMetadata().columnInfo();
                converters = new ArrayList<>(cols.size());
                List<String> names = new ArrayList<>(cols.size());
                for (ColumnInfo c : cols) {
                    converters.add(AthenaValues.converter(c.type()));
                    names.add(c.name());
                }
                sink.columns(List.copyOf(names));
            }
            List<Row> pageRows = page.resultSet().rows();
            for (int i = first && header && !pageRows.isEmpty() ? 1 : 0; i < pageRows.size(); i++) {
                if (rows >= limit) {
                    return;
                }
                List<Datum> data = pageRows.get(i).data();
                List<Object> values = new ArrayList<>(converters.size());
                for (int c = 0; c < converters.size(); c++) {
                    String raw = c < data.size() ? data.get(c).varCharValue() : null;
                    try {
                        values.add(raw == null ? null : converters.get(c).convert(raw));
                    } catch (RuntimeException e) {
                        throw new FlowwatchException("athena engine " + name + ": query " + id + ": cannot read '" + raw
                                + "' as " + AthenaValues.describe(c, page.resultSet().resultSetMetadata().columnInfo()), e);
                    }
                }
                rows++;
                if (!sink.row(values)) {
                    return;
                }
            }
            first = false;
            token = page.nextToken();
        } while (token != null && rows < limit);
    }

    private void logDone(String id, QueryExecution qe) {
        QueryExecutionStatistics s = qe.statistics();
        boolean reused = s != null && s.resultReuseInformation() != null && Boolean.TRUE.equals(s.resultReuseInformation().reusedPreviousResult());
        LOG.info("athena engine {}: query {} {}: {} bytes scanned, engine time {} ms, queued {} ms{}", name, id,
                qe.status().state(), bytes(s), s == null ? null : s.engineExecutionTimeInMillis(),
                s == null ? null : s.queryQueueTimeInMillis(), reused ? ", reused an earlier result" : "");
    }

    private static long bytes(QueryExecutionStatistics s) {
        return s == null || s.dataScannedInBytes() == null ? 0 : s.dataScannedInBytes();
    }

    /** Thrown when retries run past the deadline. */
    private static final class DeadlineException extends Exception {
        private static final long serialVersionUID = 1L;

        DeadlineException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private interface Call<T> {
        T run();
    }

    /** Runs one API call, retrying what a retry can fix with the poll backoff until {@code deadline}. */
    private <T> T call(String op, Instant deadline, String id, Call<T> call) throws InterruptedException, DeadlineException {
        Duration wait = config.pollInitial();
        while (true) {
            try {
                return call.run();
            } catch (SdkException e) {
                if (e instanceof AbortedException || e.getCause() instanceof InterruptedException || Thread.interrupted()) {
                    // The SDK turns an interrupt into an exception; give the caller the interrupt back.
                    InterruptedException ie = new InterruptedException(op + " interrupted");
                    ie.initCause(e);
                    throw ie;
                }
                if (!retryable(e)) {
                    failures.labels(List.of("error")).inc();
                    throw new FlowwatchException("athena engine " + name + ": " + op + (id == null ? "" : " for query " + id)
                            + " failed: " + message(e), e);
                }
                long jittered = ThreadLocalRandom.current().nextLong(wait.toMillis() / 2, wait.toMillis() + 1);
                Duration left = Duration.between(clock.instant(), deadline);
                if (left.toMillis() <= jittered) {
                    if (id == null) {
                        failures.labels(List.of("timeout")).inc();
                        throw new FlowwatchException("athena engine " + name + ": " + op + " was still throttled or failing when the "
                                + "timeout of " + config.timeout() + " ran out: " + message(e), e);
                    }
                    throw new DeadlineException(message(e), e);
                }
                retries.inc();
                LOG.debug("athena engine {}: {} {}; retrying in {} ms", name, op, message(e), jittered);
                Thread.sleep(Math.max(1, jittered));
                wait = wait.multipliedBy(2).compareTo(config.pollMax()) > 0 ? config.pollMax() : wait.multipliedBy(2);
            }
        }
    }

    static boolean retryable(SdkException e) {
        if (e instanceof AwsServiceException ase) {
            return ase.isThrottlingException() || ase.statusCode() == 429 || ase.statusCode() >= 500;
        }
        return e instanceof SdkClientException && !(e.getCause() instanceof InterruptedException);
    }

    private static String message(SdkException e) {
        if (e instanceof AwsServiceException ase && ase.awsErrorDetails() != null) {
            return ase.awsErrorDetails().errorCode() + ": " + ase.awsErrorDetails().errorMessage();
        }
        return e.getMessage();
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
            client = null;
        }
    }
}
