package io.flowwatch.plugin.s3;

import io.flowwatch.api.PluginContext;
import io.flowwatch.api.source.LineChunk;
import io.flowwatch.api.source.Position;
import io.flowwatch.api.source.Source;
import io.flowwatch.api.source.SourceBatch;
import io.flowwatch.plugin.aws.AwsClientSettings;
import io.flowwatch.plugin.support.source.ChunkQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads VPC flow logs delivered to S3 (see {@link S3SourceConfig}): {@code .log.gz} and {@code .log}
 * text objects and {@code .parquet} objects, one account/region partition at a time, in key order.
 *
 * <p>One background reader thread (from the context's thread factory) lists, downloads and
 * decompresses, queueing up to {@code read-ahead} chunks, so the pipeline parses one chunk while the
 * next object is fetched. {@link #poll} hands over whatever is queued. Each partition has one
 * {@link Position} (a {@link PartitionCursor}), emitted after each object's last chunk, so a position
 * never covers data that is not in its batch or an earlier one.
 */
public final class S3Source implements Source {

    private static final Logger LOG = LoggerFactory.getLogger(S3Source.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final S3SourceConfig config;
    private final PluginContext ctx;
    private final ChunkQueue queue;
    private S3Client s3;
    private Thread reader;

    /** Does no I/O and starts no thread: that waits for {@link #open}. */
    public S3Source(S3SourceConfig config, PluginContext ctx) {
        this.config = config;
        this.ctx = ctx;
        this.queue = new ChunkQueue(config.readAhead());
    }

    public S3SourceConfig config() {
        return config;
    }

    /** Builds the client from the shared AWS keys plus path-style. */
    static S3Client client(S3SourceConfig config, PluginContext ctx) {
        AwsClientSettings aws = config.aws();
        return aws.configure(S3Client.builder(), ctx.metrics()).forcePathStyle(config.pathStyle()).build();
    }

    /**
     * Checks that the bucket can be listed under the prefix (one ListObjectsV2 call), so a wrong
     * bucket, region, owner or permission fails here with a clear message and is retried by the
     * runtime, then starts the reader.
     */
    @Override
    public void open(Map<String, String> committed) throws IOException {
        if (reader != null) {
            throw new IllegalStateException("source " + ctx.name() + " is already open");
        }
        String where = "s3://" + config.bucket() + "/" + config.layout().base();
        S3Client client;
        try {
            client = client(config, ctx);
        } catch (SdkException e) {
            throw new IOException("cannot set up an S3 client for " + where + ": " + S3Reader.describe(e), e);
        }
        try {
            client.listObjectsV2(ListObjectsV2Request.builder().bucket(config.bucket()).prefix(config.layout().base())
                    .maxKeys(1).expectedBucketOwner(config.expectedBucketOwner()).build());
        } catch (SdkException e) {
            client.close();
            throw new IOException("cannot list " + where + " (bucket " + config.bucket() + ", prefix "
                    + config.layout().base() + "): " + S3Reader.describe(e), e);
        }
        s3 = client;
        Path temp = ctx.stateDir().resolve("tmp");
        S3Reader r = new S3Reader(ctx.name(), config, s3, queue, ctx.clock(), ctx.metrics(), temp);
        r.resume(committed);
        reader = ctx.threadFactory().newThread(r);
        reader.start();
        LOG.info("source {}: reading {} from {}{} ({} partition positions committed)", ctx.name(), where, r.from(),
                config.to() == null ? "" : " to " + config.to(), committed.size());
    }

    @Override
    public SourceBatch poll(Duration maxWait) throws IOException, InterruptedException {
        ChunkQueue.Taken taken = queue.take(maxWait);
        if (taken.items().isEmpty()) {
            return SourceBatch.empty(taken.caughtUp());
        }
        List<LineChunk> chunks = new ArrayList<>(taken.items().size());
        // Items of one partition come in order, so its last position covers all its chunks here.
        Map<String, Position> positions = new LinkedHashMap<>();
        for (ChunkQueue.Item item : taken.items()) {
            if (item.chunk() != null) {
                chunks.add(item.chunk());
            }
            if (item.position() != null) {
                positions.put(item.position().partition(), item.position());
            }
        }
        return new SourceBatch(chunks, List.of(), new ArrayList<>(positions.values()), taken.caughtUp());
    }

    @Override
    public void wakeup() {
        queue.wakeup();
    }

    @Override
    public void close() {
        queue.close();
        Thread t = reader;
        if (t != null) {
            t.interrupt();
            try {
                t.join(CLOSE_TIMEOUT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) {
                LOG.warn("source {}: reader thread {} did not stop within {}", ctx.name(), t.getName(), CLOSE_TIMEOUT);
            }
        }
        if (s3 != null) {
            s3.close();
        }
    }
}
