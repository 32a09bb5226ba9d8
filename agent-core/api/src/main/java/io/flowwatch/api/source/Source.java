package io.flowwatch.api.source;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;

/**
 * Reads raw flow-log input. Sources own I/O; the runtime owns positions, threads and time.
 *
 * <p><b>Lifecycle.</b> {@link #open} once, then {@link #poll} repeatedly, then {@link #close}.
 * All three are called from the source's single pipeline thread, so a source needs no locking
 * of its own unless it starts background threads (through
 * {@link io.flowwatch.api.PluginContext#threadFactory()}). {@link #wakeup()} alone may be called
 * from another thread, to make a blocked {@code poll} return early during shutdown.
 *
 * <p><b>Positions.</b> Each batch carries the {@link Position}s that become true once the
 * batch is fully processed. The runtime commits them only after every record of the batch has
 * been evaluated and the resulting notifications are in the outbox, and hands the committed map
 * back to {@link #open} after a restart. A source never commits or stores positions itself.
 * Delivery is therefore at-least-once: after a crash, a source re-reads from its last committed
 * position and may deliver some records twice, never lose any.
 */
public interface Source extends AutoCloseable {

    /**
     * Prepares to read from the committed positions (empty on first start: begin where the
     * source's config says). May do I/O; a failure is retried by the runtime with backoff.
     *
     * @param committed partition to offset, exactly as this source last emitted them
     */
    void open(Map<String, String> committed) throws IOException;

    /**
     * Returns the next batch, waiting up to {@code maxWait} when nothing is available.
     * Never returns null: an empty batch with {@link SourceBatch#caughtUp()} true means
     * "nothing more right now". A transient I/O problem is thrown; the runtime logs it, counts
     * it, backs off and polls again. Problems with single files or lines are not thrown: the
     * source reports them (with their origin) and skips them.
     */
    SourceBatch poll(Duration maxWait) throws IOException, InterruptedException;

    /** Makes a blocked {@link #poll} return soon. Thread-safe. Default: nothing to do. */
    default void wakeup() {
    }

    /** Releases resources. Called once, on the pipeline thread. */
    @Override
    default void close() throws IOException {
    }
}
