package io.flowwatch.plugin.directory;

import io.flowwatch.api.PluginContext;
import io.flowwatch.api.source.LineChunk;
import io.flowwatch.api.source.Position;
import io.flowwatch.api.source.Source;
import io.flowwatch.api.source.SourceBatch;
import io.flowwatch.plugin.support.source.ChunkQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code .log} and {@code .log.gz} files under a directory (see {@link DirectorySourceConfig}).
 *
 * <p>One background reader thread (from the context's thread factory) scans the tree, reads and
 * decompresses, and queues up to {@code read-ahead} chunks, so the pipeline parses one chunk while
 * the next is read. {@link #poll} hands over whatever is queued. Each file is one partition (its
 * path relative to the root) with a {@link FileOffset}; a position in a batch never covers data that
 * is not in that batch or an earlier one. Problems with single files or lines are logged with their
 * origin and skipped; nothing here throws for them.
 */
public final class DirectorySource implements Source {

    private static final Logger LOG = LoggerFactory.getLogger(DirectorySource.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final DirectorySourceConfig config;
    private final PluginContext ctx;
    private final ChunkQueue queue;
    private Thread reader;

    /** Does no I/O and starts no thread: that waits for {@link #open}. */
    public DirectorySource(DirectorySourceConfig config, PluginContext ctx) {
        this.config = config;
        this.ctx = ctx;
        this.queue = new ChunkQueue(config.readAhead());
    }

    public DirectorySourceConfig config() {
        return config;
    }

    @Override
    public void open(Map<String, String> committed) {
        if (reader != null) {
            throw new IllegalStateException("source " + ctx.name() + " is already open");
        }
        DirectoryReader r = new DirectoryReader(ctx.name(), config, queue, ctx.clock(), ctx.metrics());
        r.resume(committed);
        reader = ctx.threadFactory().newThread(r);
        reader.start();
        LOG.info("source {}: reading {} ({} file positions committed)", ctx.name(), config.path(), committed.size());
    }

    @Override
    public SourceBatch poll(Duration maxWait) throws IOException, InterruptedException {
        ChunkQueue.Taken taken = queue.take(maxWait);
        if (taken.items().isEmpty()) {
            return SourceBatch.empty(taken.caughtUp());
        }
        List<LineChunk> chunks = new ArrayList<>(taken.items().size());
        // Items of one file come in order, so the last position per file covers all its chunks here.
        Map<String, Position> positions = new LinkedHashMap<>();
        for (ChunkQueue.Item item : taken.items()) {
            if (item.chunk() != null) {
                chunks.add(item.chunk());
            }
            positions.put(item.position().partition(), item.position());
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
        if (t == null) {
            return;
        }
        // The interrupt also ends a blocking read: interruptible channels close on it.
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
}
