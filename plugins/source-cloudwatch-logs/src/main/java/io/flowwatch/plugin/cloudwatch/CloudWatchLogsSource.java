package io.flowwatch.plugin.cloudwatch;

import io.flowwatch.api.PluginContext;
import io.flowwatch.api.PluginMetrics;
import io.flowwatch.api.source.LineChunk;
import io.flowwatch.api.source.Position;
import io.flowwatch.api.source.Source;
import io.flowwatch.api.source.SourceBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClient;
import software.amazon.awssdk.services.cloudwatchlogs.CloudWatchLogsClientBuilder;
import software.amazon.awssdk.services.cloudwatchlogs.model.FilterLogEventsRequest;
import software.amazon.awssdk.services.cloudwatchlogs.model.FilterLogEventsResponse;
import software.amazon.awssdk.services.cloudwatchlogs.model.FilteredLogEvent;
import software.amazon.awssdk.services.cloudwatchlogs.model.ResourceNotFoundException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Follows one log group with {@code FilterLogEvents} (see {@link CloudWatchLogsSourceConfig}).
 *
 * <p><b>Reading.</b> A <i>scan</i> asks for the events with timestamps from the cursor's start
 * (the high-water mark minus {@code overlap}) up to the clock's now, page by page through
 * {@code nextToken}; each {@link #poll} sends at most one request and hands over that page. When a
 * scan ends the source is caught up and the next scan starts {@code poll-interval} later.
 * FilterLogEvents searches every stream of the group (or those with {@code stream-prefix}), so new
 * streams are read without being discovered first. All I/O runs on the pipeline thread inside
 * {@code poll}; no thread of its own.
 *
 * <p><b>Pacing and failures.</b> The {@link RequestPacer} keeps requests under
 * {@code requests-per-second}; the SDK's own retries are off so that pacing is this class's alone.
 * Throttling, 5xx and network failures wait an exponential backoff with jitter and are counted; the
 * page is asked for again. After {@value #FAILURES_BEFORE_UNHEALTHY} in a row each further failure
 * is also thrown, so the runtime reports the source unhealthy. Errors a retry cannot fix soon (a
 * missing log group, access denied, bad credentials) are thrown at once with the group named.
 *
 * <p><b>Positions.</b> One partition, the configured log group, with a {@link GroupPosition}.
 */
public final class CloudWatchLogsSource implements Source {

    private static final Logger LOG = LoggerFactory.getLogger(CloudWatchLogsSource.class);
    static final int FAILURES_BEFORE_UNHEALTHY = 5;
    private static final String OPERATION = "FilterLogEvents";

    private final CloudWatchLogsSourceConfig config;
    private final PluginContext ctx;
    private final RequestPacer pacer;
    private final String groupName;
    private final Metrics metrics;
    private CloudWatchLogsClient client;
    private LogGroupCursor cursor;
    private Scan scan;
    private String lastEmitted;

    /** One pass over {@code [start, end]} (both inclusive); {@code token} is the next page's, null before the first. */
    private record Scan(long start, long end, String token) {
    }

    /** Does no I/O: the client is made in {@link #open}. */
    public CloudWatchLogsSource(CloudWatchLogsSourceConfig config, PluginContext ctx) {
        this(config, ctx, System::nanoTime);
    }

    CloudWatchLogsSource(CloudWatchLogsSourceConfig config, PluginContext ctx, LongSupplier ticker) {
        this.config = config;
        this.ctx = ctx;
        this.groupName = config.logGroupName();
        this.pacer = new RequestPacer(config.requestsPerSecond(), config.backoffMin(), config.backoffMax(), ticker);
        this.metrics = new Metrics(ctx.metrics());
    }

    public CloudWatchLogsSourceConfig config() {
        return config;
    }

    @Override
    public void open(Map<String, String> committed) throws IOException {
        if (client != null) {
            throw new IllegalStateException("source " + ctx.name() + " is already open");
        }
        cursor = restore(committed.get(config.logGroup()));
        CloudWatchLogsClientBuilder builder = config.aws().configure(CloudWatchLogsClient.builder(), ctx.metrics());
        // The SDK would retry throttled calls at its own pace; this source paces and retries itself.
        builder.overrideConfiguration(builder.overrideConfiguration().toBuilder()
                .retryStrategy(AwsRetryStrategy.doNotRetry()).build());
        try {
            client = builder.build();
        } catch (SdkException e) {
            throw new IOException("cannot set up the CloudWatch Logs client for log group '" + groupName + "': " + e.getMessage(), e);
        }
        LOG.info("source {}: following log group {}{} from {} (overlap {}, at most {} requests/s)", ctx.name(), config.logGroup(),
                config.streamPrefix() == null ? "" : " streams " + config.streamPrefix() + "*",
                cursor.highWaterMark() == GroupPosition.NONE ? "start " + config.start() : "committed " + Instant.ofEpochMilli(cursor.highWaterMark()),
                config.overlap(), config.requestsPerSecond());
    }

    private LogGroupCursor restore(String offset) {
        long overlap = config.overlap().toMillis();
        if (offset != null) {
            try {
                return new LogGroupCursor(GroupPosition.decode(offset), overlap);
            } catch (IllegalArgumentException e) {
                LOG.warn("source {}: ignoring the committed position of log group {} and beginning at start = {}: {}",
                        ctx.name(), config.logGroup(), config.start(), e.getMessage());
            }
        }
        return switch (config.start().kind()) {
            // "From now on" means what is ingested from now on. Flow-log events are stamped minutes
            // before they arrive, so a plain time floor at now would drop the first minutes of them:
            // start as if everything ingested until now had been delivered, and keep the overlap.
            case LATEST -> {
                long now = ctx.clock().millis();
                yield new LogGroupCursor(new GroupPosition(Math.max(0, now - overlap), now, now, Set.of()), overlap);
            }
            case EARLIEST -> new LogGroupCursor(0, overlap);
            case TIMESTAMP -> new LogGroupCursor(config.start().millis(), overlap);
        };
    }

    @Override
    public SourceBatch poll(Duration maxWait) throws IOException, InterruptedException {
        if (client == null) {
            throw new IllegalStateException("source " + ctx.name() + " is not open");
        }
        if (!pacer.awaitTurn(maxWait)) {
            return withPosition(List.of(), scan == null);
        }
        if (scan == null) {
            long start = cursor.scanStart();
            // endTime is inclusive ("events with a timestamp later than this time are not returned").
            // Never ask for the future: an event stamped ahead of the clock would lift the mark past
            // events still to come, and the overlap would no longer reach them.
            long end = ctx.clock().millis();
            metrics.highWaterLag(cursor.highWaterMark(), end);
            if (end < start) {
                pacer.pause(config.pollInterval());
                return withPosition(List.of(), true);
            }
            cursor.beginScan(start);
            scan = new Scan(start, end, null);
        }
        FilterLogEventsResponse page;
        try {
            page = client.filterLogEvents(request(scan));
        } catch (AwsServiceException e) {
            return failed(e, isRetryable(e));
        } catch (SdkClientException e) {
            if (Thread.currentThread().isInterrupted() || e.getCause() instanceof InterruptedException) {
                throw new InterruptedException("FilterLogEvents interrupted"); // shutting down, not a failure
            }
            metrics.transportErrors.inc();
            return failed(e, true);
        }
        pacer.succeeded();
        List<LineChunk> chunks = accept(page.events());
        String next = page.nextToken();
        // Only a missing token ends a scan: the API may return empty pages that still carry one.
        boolean done = next == null || next.isEmpty();
        if (done) {
            scan = null;
            pacer.pause(config.pollInterval());
        } else {
            scan = new Scan(scan.start(), scan.end(), next);
        }
        metrics.highWaterLag(cursor.highWaterMark(), ctx.clock().millis());
        metrics.rememberedIds.set(cursor.rememberedIds());
        return withPosition(chunks, done);
    }

    private FilterLogEventsRequest request(Scan s) {
        FilterLogEventsRequest.Builder b = FilterLogEventsRequest.builder().startTime(s.start()).endTime(s.end());
        if (config.logGroupIsArn()) {
            b.logGroupIdentifier(config.logGroup());
        } else {
            b.logGroupName(config.logGroup());
        }
        if (config.streamPrefix() != null) {
            b.logStreamNamePrefix(config.streamPrefix());
        }
        if (config.pageLimit() > 0) {
            b.limit(config.pageLimit());
        }
        if (s.token() != null) {
            b.nextToken(s.token());
        }
        return b.build();
    }

    /** Turns a page's new events into one chunk each, so a bad message is reported as group/stream@eventId. */
    private List<LineChunk> accept(List<FilteredLogEvent> events) {
        List<LineChunk> chunks = new ArrayList<>(events.size());
        long maxDelay = Long.MIN_VALUE;
        int duplicates = 0;
        for (FilteredLogEvent e : events) {
            if (e.eventId() == null || e.timestamp() == null || e.message() == null) {
                continue; // not an event the API documents; nothing to deliver or locate
            }
            long ts = e.timestamp();
            long ingested = e.ingestionTime() == null ? ts : e.ingestionTime();
            if (!cursor.accept(e.eventId(), ts, ingested)) {
                duplicates++;
                continue;
            }
            maxDelay = Math.max(maxDelay, ingested - ts);
            byte[] data = e.message().getBytes(StandardCharsets.UTF_8);
            String origin = groupName + "/" + e.logStreamName() + "@" + e.eventId();
            chunks.add(new LineChunk(origin, 1, data, 0, data.length, config.format(),
                    new long[] {Math.floorDiv(ts, 1000)}));
        }
        metrics.delivered.inc(chunks.size());
        if (duplicates > 0) {
            metrics.duplicates.inc(duplicates);
        }
        if (maxDelay != Long.MIN_VALUE) {
            metrics.deliveryDelay.set(Math.max(0, maxDelay) / 1000.0);
        }
        return chunks;
    }

    private SourceBatch withPosition(List<LineChunk> chunks, boolean caughtUp) {
        String offset = cursor.position().encode();
        if (offset.equals(lastEmitted)) {
            return new SourceBatch(chunks, List.of(), List.of(), caughtUp);
        }
        lastEmitted = offset;
        return new SourceBatch(chunks, List.of(), List.of(new Position(config.logGroup(), offset)), caughtUp);
    }

    private static boolean isRetryable(AwsServiceException e) {
        int status = e.statusCode();
        return e.isThrottlingException() || status >= 500 || status == 429
                || "ServiceUnavailableException".equals(errorCode(e));
    }

    private SourceBatch failed(SdkException e, boolean retryable) throws IOException {
        String what = describe(e);
        if (!retryable) {
            metrics.otherErrors.inc();
            pacer.failed();
            throw new IOException(what, e);
        }
        if (e instanceof AwsServiceException se) {
            if (se.isThrottlingException() || se.statusCode() == 429) {
                metrics.throttled.inc();
            } else {
                metrics.serverErrors.inc();
            }
        }
        RequestPacer.Backoff b = pacer.failed();
        String msg = what + "; retrying in " + b.delay().toMillis() + "ms (" + b.failuresInARow() + " in a row)";
        if (b.failuresInARow() >= FAILURES_BEFORE_UNHEALTHY) {
            throw new IOException(msg, e);
        }
        if (b.failuresInARow() == 1) {
            LOG.warn("source {}: {}", ctx.name(), msg);
        } else {
            LOG.debug("source {}: {}", ctx.name(), msg);
        }
        return withPosition(List.of(), false);
    }

    private String describe(SdkException e) {
        String group = "log group '" + groupName + "'";
        String region = config.aws().region() == null ? "" : " in region " + config.aws().region();
        if (e instanceof ResourceNotFoundException) {
            return group + " does not exist" + region + " (ResourceNotFoundException: " + serviceMessage(e) + ")";
        }
        if (e instanceof AwsServiceException se) {
            return OPERATION + " on " + group + region + " failed: HTTP " + se.statusCode() + " " + errorCode(se) + ": " + serviceMessage(e);
        }
        return OPERATION + " on " + group + region + " failed: " + e.getMessage();
    }

    private static String errorCode(AwsServiceException e) {
        return e.awsErrorDetails() == null ? "?" : e.awsErrorDetails().errorCode();
    }

    private static String serviceMessage(SdkException e) {
        if (e instanceof AwsServiceException se && se.awsErrorDetails() != null && se.awsErrorDetails().errorMessage() != null) {
            return se.awsErrorDetails().errorMessage();
        }
        return e.getMessage();
    }

    @Override
    public void wakeup() {
        pacer.wakeup();
    }

    @Override
    public void close() {
        CloudWatchLogsClient c = client;
        if (c != null) {
            c.close();
        }
    }

    /** This source's own metrics (API calls and errors per operation come from aws-common). */
    private static final class Metrics {
        final PluginMetrics.Counter delivered;
        final PluginMetrics.Counter duplicates;
        final PluginMetrics.Counter throttled;
        final PluginMetrics.Counter serverErrors;
        final PluginMetrics.Counter transportErrors;
        final PluginMetrics.Counter otherErrors;
        final PluginMetrics.Gauge rememberedIds;
        final PluginMetrics.Gauge deliveryDelay;
        final PluginMetrics.Gauge highWaterLag;

        Metrics(PluginMetrics m) {
            delivered = m.counter("cloudwatch_events_total", "Log events handed over (new, after de-duplication).");
            duplicates = m.counter("cloudwatch_events_duplicate_total", "Log events read again in the overlap window and skipped.");
            throttled = m.counter("cloudwatch_throttled_total", "FilterLogEvents requests answered with throttling; each waits a backoff.");
            serverErrors = m.counter("cloudwatch_server_errors_total", "FilterLogEvents requests that failed with a 5xx; each waits a backoff.");
            transportErrors = m.counter("cloudwatch_transport_errors_total", "FilterLogEvents requests that failed without an answer (network, timeout).");
            otherErrors = m.counter("cloudwatch_request_errors_total", "FilterLogEvents requests that failed in a way a retry does not fix soon (missing group, access denied).");
            rememberedIds = m.gauge("cloudwatch_remembered_event_ids", "Event ids kept to skip re-reads of the overlap window.");
            deliveryDelay = m.gauge("cloudwatch_delivery_delay_seconds",
                    "Largest ingestion time minus event time among the last page's new events; keep overlap above it.");
            highWaterLag = m.gauge("cloudwatch_high_water_lag_seconds",
                    "Clock time minus the newest event timestamp delivered; grows while the group is quiet or reading is stuck.");
        }

        void highWaterLag(long hwm, long now) {
            if (hwm != GroupPosition.NONE) {
                highWaterLag.set(Math.max(0, now - hwm) / 1000.0);
            }
        }
    }
}
