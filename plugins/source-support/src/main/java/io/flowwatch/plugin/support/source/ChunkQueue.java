package io.flowwatch.plugin.support.source;

import io.flowwatch.api.source.LineChunk;
import io.flowwatch.api.source.Position;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The hand-over between the reader thread and the pipeline thread: a bounded queue plus the
 * reader's "nothing more right now" state, kept under one lock so that {@code caughtUp} can never
 * be reported while the reader still holds data it has not queued.
 */
public final class ChunkQueue {

    /**
     * A chunk, a position, or both: the position holds once the chunk and every item before it are
     * processed. The chunks of one object or compressed file may come without a position, the
     * position of the whole following them.
     */
    public record Item(LineChunk chunk, Position position) {
        public Item {
            if (chunk == null && position == null) {
                throw new IllegalArgumentException("an item needs a chunk or a position");
            }
        }
    }

    /** What one {@link #take} got. */
    public record Taken(List<Item> items, boolean caughtUp) {
    }

    // Position-only items (empty files and objects, finished .gz files) are tiny; this only stops
    // many of them from growing the queue without bound.
    private static final int MAX_ITEMS = 4096;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition itemsOrIdle = lock.newCondition();
    private final Condition space = lock.newCondition();
    private final Condition stop = lock.newCondition();
    private final ArrayDeque<Item> items = new ArrayDeque<>();
    private final int maxChunks;
    private int chunks;
    private boolean idle;
    private boolean idleReported;
    private boolean woken;
    private boolean closed;
    private Throwable failure;
    private IOException problem;

    public ChunkQueue(int maxChunks) {
        this.maxChunks = maxChunks;
    }

    /** Called by the reader; blocks while the queue is full. Throws when the source closes. */
    public void put(Item item) throws InterruptedException {
        lock.lock();
        try {
            while (!closed && (item.chunk() != null ? chunks >= maxChunks : items.size() >= MAX_ITEMS)) {
                space.await();
            }
            if (closed) {
                throw new InterruptedException("source closed");
            }
            idle = false;
            items.add(item);
            if (item.chunk() != null) {
                chunks++;
            }
            itemsOrIdle.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Called by the reader after a full listing or scan found nothing new. */
    public void readerIdle() {
        lock.lock();
        try {
            if (!idle) {
                idle = true;
                idleReported = false;
                itemsOrIdle.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes everything queued, waiting up to {@code maxWait} for something. The reader becoming
     * idle ends the wait once (so {@code run --once} ends promptly); after that an idle source
     * waits the full {@code maxWait}, so a runtime polling in a loop does not spin.
     */
    public Taken take(Duration maxWait) throws IOException, InterruptedException {
        long nanos = maxWait.toNanos();
        lock.lock();
        try {
            while (items.isEmpty() && !woken && !closed && failure == null && problem == null && !(idle && !idleReported) && nanos > 0) {
                nanos = itemsOrIdle.awaitNanos(nanos);
            }
            if (items.isEmpty() && failure != null) {
                throw new IOException("the reader thread failed: " + failure, failure);
            }
            if (items.isEmpty() && problem != null) {
                // Reported once, so the runtime marks the source unhealthy and counts it; the reader retries.
                IOException p = problem;
                problem = null;
                throw p;
            }
            woken = false;
            List<Item> out = new ArrayList<>(items);
            items.clear();
            chunks = 0;
            space.signalAll();
            if (idle) {
                idleReported = true;
            }
            return new Taken(out, idle);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The reader met a problem it retries by itself (e.g. S3 unreachable, bucket missing, access denied):
     * the next poll that finds nothing queued throws it, once.
     */
    public void problem(IOException e) {
        lock.lock();
        try {
            problem = e;
            itemsOrIdle.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The reader thread died of something unexpected; polls report it from now on. */
    public void fail(Throwable e) {
        lock.lock();
        try {
            failure = e;
            itemsOrIdle.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public void wakeup() {
        lock.lock();
        try {
            woken = true;
            itemsOrIdle.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The reader's pause between listings or scans; returns true when the source was closed meanwhile. */
    public boolean sleep(Duration d) throws InterruptedException {
        long nanos = d.toNanos();
        lock.lock();
        try {
            while (!closed && nanos > 0) {
                nanos = stop.awaitNanos(nanos);
            }
            return closed;
        } finally {
            lock.unlock();
        }
    }

    public boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    public void close() {
        lock.lock();
        try {
            closed = true;
            items.clear();
            itemsOrIdle.signalAll();
            space.signalAll();
            stop.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
