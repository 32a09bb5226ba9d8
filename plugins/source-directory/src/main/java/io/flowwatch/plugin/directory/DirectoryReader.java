package io.flowwatch.plugin.directory;

import io.flowwatch.api.PluginMetrics;
import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.source.LineChunk;
import io.flowwatch.api.source.Newlines;
import io.flowwatch.api.source.Position;
import io.flowwatch.plugin.support.source.ChunkQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * The reader thread of a {@link DirectorySource}: scans the tree, reads every file from where it
 * stands, and queues chunks of whole lines with the position reached after each. It owns all
 * per-file state; nothing else touches it once {@link #run} has started.
 *
 * <p>The read path allocates per chunk, not per line: bytes go straight from the file (or the
 * inflater) into the array that becomes the chunk, lines are only located by scanning for
 * {@code '\n'}, and a chunk ends at the last line break in its buffer.
 */
final class DirectoryReader implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(DirectorySource.class);

    static final String LOG_SUFFIX = ".log";
    static final String GZ_SUFFIX = ".log.gz";
    private static final int GZIP_INPUT_BUFFER = 64 * 1024;
    // Small files and appends get buffers about their size instead of a whole chunk-size each.
    private static final int MIN_BUFFER = 64 * 1024;
    private static final Duration REPEAT_WARNING = Duration.ofMinutes(10);
    private static final byte[] NO_BYTES = new byte[0];
    // NOFOLLOW_LINKS: a file swapped for a symlink after the walk still cannot lead outside the root.
    private static final Set<OpenOption> READ_NO_LINKS = Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);

    private final String name;
    private final DirectorySourceConfig config;
    private final ChunkQueue queue;
    private final Clock clock;
    private final PluginMetrics.Counter filesRead;
    private final PluginMetrics.Counter fileErrors;
    private final PluginMetrics.Counter bytesRead;
    private final PluginMetrics.Counter linesSkipped;
    private final Map<String, TrackedFile> files = new HashMap<>();
    private final Map<String, Instant> pathWarnings = new HashMap<>();
    private boolean rootMissing;
    private boolean progressed;

    DirectoryReader(String name, DirectorySourceConfig config, ChunkQueue queue, Clock clock, PluginMetrics metrics) {
        this.name = name;
        this.config = config;
        this.queue = queue;
        this.clock = clock;
        this.filesRead = metrics.counter("source_files_total", "Files read to their end (a growing .log file counts once).");
        this.fileErrors = metrics.counter("source_file_errors_total",
                "Files that could not be read, or whose compressed data was truncated or corrupt.");
        this.bytesRead = metrics.counter("source_bytes_read_total", "Bytes of flow-log text handed over, after decompression.");
        this.linesSkipped = metrics.counter("source_lines_skipped_total", "Lines skipped for being longer than max-line-length.");
    }

    static boolean isLogName(String fileName) {
        return fileName.endsWith(LOG_SUFFIX) || fileName.endsWith(GZ_SUFFIX);
    }

    /** Takes the committed positions; called before the thread starts. */
    void resume(Map<String, String> committed) {
        committed.forEach((partition, offset) -> {
            if (offset == null) {
                return;
            }
            TrackedFile t = new TrackedFile(partition, origin(partition), partition.endsWith(GZ_SUFFIX));
            t.emitted = offset;
            if (FileOffset.DONE.equals(offset)) {
                t.done = true;
            } else {
                try {
                    FileOffset o = FileOffset.parse(offset);
                    t.offset = o.bytes();
                    t.nextLine = o.nextLine();
                    t.key = o.fileKey();
                } catch (IllegalArgumentException e) {
                    LOG.warn("source {}: cannot use the committed position of {} ({}); reading it from the start",
                            name, t.origin, e.getMessage());
                }
            }
            files.put(partition, t);
        });
    }

    @Override
    public void run() {
        try {
            while (!queue.isClosed()) {
                progressed = false;
                try {
                    scan();
                } catch (IOException | RuntimeException e) {
                    if (queue.isClosed()) {
                        return;
                    }
                    LOG.error("source {}: scanning {} failed; trying again in {}", name, config.path(), config.pollInterval(), e);
                }
                if (!progressed) {
                    queue.readerIdle();
                    if (queue.sleep(config.pollInterval())) {
                        return;
                    }
                }
            }
        } catch (InterruptedException e) {
            // close() interrupts: the source is going away, nothing to clean up beyond the open file.
        } catch (Throwable e) {
            LOG.error("source {}: reader thread failed", name, e);
            queue.fail(e);
        }
    }

    // ---- scanning ----------------------------------------------------------------------------

    private record Found(String partition, Path file, BasicFileAttributes attrs) {
    }

    private void scan() throws IOException, InterruptedException {
        Path root;
        try {
            // The real path, so a root that is itself a symlink works while links below it are not followed.
            root = config.path().toRealPath();
            if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
                throw new NotDirectoryException(config.path().toString());
            }
        } catch (IOException e) {
            if (!rootMissing) {
                LOG.warn("source {}: cannot read directory {} ({}); waiting for it", name, config.path(), reason(e));
                rootMissing = true;
            }
            return;
        }
        if (rootMissing) {
            LOG.info("source {}: directory {} is there now", name, config.path());
            rootMissing = false;
        }

        List<Found> found = new ArrayList<>();
        boolean complete = walk(root, found);
        found.sort(Comparator.comparing(Found::partition));
        Set<String> seen = new HashSet<>();
        for (Found f : found) {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException();
            }
            seen.add(f.partition());
            visit(f);
        }
        // An incomplete walk (unreadable directory) or an empty one (an unmounted volume looks like
        // that) proves nothing about deletions; forgetting then would re-read files that still exist.
        if (complete && !found.isEmpty()) {
            forgetMissing(seen);
        }
    }

    /** Collects the flow-log files under root; returns false when part of the tree could not be read. */
    private boolean walk(Path root, List<Found> found) throws IOException, InterruptedException {
        boolean[] complete = {true};
        Files.walkFileTree(root, Set.of(), Integer.MAX_VALUE, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                return Thread.currentThread().isInterrupted() ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                // Without FOLLOW_LINKS a symlink arrives here as a link, not as what it points to: ignored.
                if (attrs.isRegularFile() && isLogName(file.getFileName().toString())) {
                    found.add(new Found(partitionOf(root, file), file, attrs));
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                if (!(e instanceof NoSuchFileException)) {
                    complete[0] = false;
                    warnPath(file.toString(), e);
                }
                return FileVisitResult.CONTINUE;
            }
        });
        if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedException();
        }
        return complete[0];
    }

    private static String partitionOf(Path root, Path file) {
        StringBuilder sb = new StringBuilder();
        for (Path part : root.relativize(file)) {
            if (sb.length() > 0) {
                sb.append('/');
            }
            sb.append(part);
        }
        return sb.toString();
    }

    private String origin(String partition) {
        return config.path().resolve(partition).toString();
    }

    private void forgetMissing(Set<String> seen) throws InterruptedException {
        Iterator<TrackedFile> it = files.values().iterator();
        while (it.hasNext()) {
            TrackedFile t = it.next();
            if (!seen.contains(t.partition)) {
                if (t.emitted != null) {
                    // A null offset tells the runtime to drop the partition, so state does not grow with deleted files.
                    queue.put(new ChunkQueue.Item(null, new Position(t.partition, null)));
                    progressed = true;
                }
                it.remove();
            }
        }
    }

    private void visit(Found f) throws InterruptedException {
        TrackedFile t = files.computeIfAbsent(f.partition(), p -> new TrackedFile(p, origin(p), p.endsWith(GZ_SUFFIX)));
        if (t.done) {
            return;
        }
        BasicFileAttributes a = f.attrs();
        long size = a.size();
        long mtime = a.lastModifiedTime().toMillis();
        String key = a.fileKey() == null ? FileOffset.NO_KEY : a.fileKey().toString();
        if (t.failedSize >= 0) {
            if (size == t.failedSize && mtime == t.failedMtime) {
                return;
            }
            t.failedSize = -1;
        }
        if (t.key != null && !t.key.equals(key) && !FileOffset.NO_KEY.equals(key) && !FileOffset.NO_KEY.equals(t.key)) {
            LOG.warn("source {}: {} was replaced by another file of the same name; reading it again from the start", name, t.origin);
            t.restart();
        } else if (!t.gz && size < t.offset) {
            LOG.warn("source {}: {} is shorter ({} bytes) than the position reached ({} bytes): truncated or replaced; "
                    + "reading it again from the start", name, t.origin, size, t.offset);
            t.restart();
        }
        t.key = key;
        if (t.gz ? size == 0 : size == t.offset) {
            // Nothing new (a zero-byte .gz is still being created); a changed position still has to be told.
            emitPositionIfChanged(t);
            return;
        }
        if (!t.gz && size == t.tailSize && mtime == t.tailMtime && !quiet(mtime)) {
            return;
        }
        read(t, f, size, mtime);
    }

    /** A file not modified for a poll interval is taken to be complete, unterminated last line included. */
    private boolean quiet(long mtime) {
        return mtime + config.pollInterval().toMillis() <= clock.millis();
    }

    private void read(TrackedFile t, Found f, long size, long mtime) throws InterruptedException {
        for (int attempt = 0; attempt < 2; attempt++) {
            try (SeekableByteChannel ch = Files.newByteChannel(f.file(), READ_NO_LINKS)) {
                if (t.warnedAt != null) {
                    LOG.info("source {}: {} is readable again", name, t.origin);
                    t.warnedAt = null;
                }
                if (new FileRead(t, ch, size, mtime).run()) {
                    break;
                }
            } catch (NoSuchFileException e) {
                return; // deleted since the walk: the next scan forgets it
            } catch (IOException e) {
                if (isInterrupt(e)) {
                    throw new InterruptedException();
                }
                warnFile(t, e);
                return;
            }
            LOG.warn("source {}: {} holds less text than the position reached ({} bytes): it was replaced; "
                    + "reading it again from the start", name, t.origin, t.offset);
            t.restart();
        }
        emitPositionIfChanged(t);
    }

    private boolean isInterrupt(IOException e) {
        return e instanceof ClosedByInterruptException || e instanceof InterruptedIOException
                || Thread.currentThread().isInterrupted() || queue.isClosed();
    }

    private void warnFile(TrackedFile t, IOException e) {
        Instant now = clock.instant();
        if (t.warnedAt == null || !now.isBefore(t.warnedAt.plus(REPEAT_WARNING))) {
            LOG.warn("source {}: cannot read {} ({}); skipping it, trying again on later scans", name, t.origin, reason(e));
            t.warnedAt = now;
            fileErrors.inc();
        } else {
            LOG.debug("source {}: still cannot read {} ({})", name, t.origin, reason(e));
        }
    }

    private void warnPath(String path, IOException e) {
        Instant now = clock.instant();
        Instant last = pathWarnings.get(path);
        if (last == null || !now.isBefore(last.plus(REPEAT_WARNING))) {
            LOG.warn("source {}: cannot read {} ({}); skipping it, trying again on later scans", name, path, reason(e));
            pathWarnings.put(path, now);
        }
    }

    private static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "it does not exist";
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private void emitPositionIfChanged(TrackedFile t) throws InterruptedException {
        if (!t.offsetString().equals(t.emitted)) {
            hand(t, null);
        }
    }

    private void hand(TrackedFile t, LineChunk chunk) throws InterruptedException {
        String offset = t.offsetString();
        queue.put(new ChunkQueue.Item(chunk, new Position(t.partition, offset)));
        t.emitted = offset;
        progressed = true;
    }

    // ---- one file --------------------------------------------------------------------------

    /** Everything known about one file between scans. */
    private static final class TrackedFile {
        final String partition;
        final String origin;
        final boolean gz;
        long offset;
        long nextLine = 1;
        String key;
        boolean done;
        boolean formatKnown;
        FlowFormat header;
        /** The offset last queued (or committed); a position is queued only when it differs. */
        String emitted;
        /** Size and mtime at which a .gz was found damaged: it is not tried again until they change. */
        long failedSize = -1;
        long failedMtime;
        /** Size and mtime when an unterminated last line was left for later: no re-read until they change. */
        long tailSize = -1;
        long tailMtime;
        Instant warnedAt;
        boolean counted;

        TrackedFile(String partition, String origin, boolean gz) {
            this.partition = partition;
            this.origin = origin;
            this.gz = gz;
        }

        String offsetString() {
            return done ? FileOffset.DONE : new FileOffset(offset, nextLine, key == null ? FileOffset.NO_KEY : key).encode();
        }

        FlowFormat format(FlowFormat configured) {
            return header != null ? header : configured;
        }

        void restart() {
            offset = 0;
            nextLine = 1;
            done = false;
            formatKnown = false;
            header = null;
            failedSize = -1;
            tailSize = -1;
            counted = false;
        }
    }

    private enum Seek { READY, WAIT, SHORTER }

    /** One pass over one open file, from its offset to its current end. */
    private final class FileRead {
        private final TrackedFile t;
        private final SeekableByteChannel ch;
        private final long size;
        private final long mtime;
        private InputStream gzip;
        private byte[] buf;
        private int filled;
        /** Text offset of buf[0]. */
        private long pos;
        /** Number of the line that starts at buf[0]. */
        private long line;
        private boolean eof;
        /** True once buf holds text from the file's offset on, so whole lines in it may be handed over. */
        private boolean streaming;
        private boolean skipping;
        private long skipLine;
        private int overlong;

        FileRead(TrackedFile t, SeekableByteChannel ch, long size, long mtime) {
            this.t = t;
            this.ch = ch;
            this.size = size;
            this.mtime = mtime;
            // A .gz is always decompressed from its start; a plain file is entered at its offset.
            this.pos = t.formatKnown && !t.gz ? t.offset : 0;
            this.line = t.nextLine;
            this.buf = newBuffer(0);
        }

        /** Returns false when the file holds less text than the offset: the caller starts it over. */
        boolean run() throws IOException, InterruptedException {
            try {
                if (t.gz) {
                    gzip = new GZIPInputStream(Channels.newInputStream(ch), GZIP_INPUT_BUFFER);
                }
                Seek seek = seek();
                if (seek == Seek.SHORTER) {
                    return false;
                }
                if (seek == Seek.READY) {
                    stream();
                    finish();
                }
                return true;
            } catch (IOException e) {
                if (isInterrupt(e)) {
                    throw e;
                }
                if (streaming && !skipping) {
                    // Whatever was read before the damage is good data: hand over its whole lines.
                    int lastNl = Newlines.lastIndexOf(buf, 0, filled);
                    if (lastNl >= 0) {
                        emit(lastNl + 1, false);
                    }
                }
                if (t.gz && (e instanceof ZipException || e instanceof EOFException)) {
                    damaged(e);
                    return true;
                }
                throw e;
            } finally {
                if (overlong > 1) {
                    LOG.warn("source {}: {}: {} more lines longer than max-line-length ({} bytes) skipped",
                            name, t.origin, overlong - 1, config.maxLineLength());
                }
                if (gzip != null) {
                    gzip.close(); // frees the inflater's native memory now rather than at GC
                }
            }
        }

        /** Moves to the file's offset; on first sight of a file, reads line 1 to learn its header format. */
        private Seek seek() throws IOException {
            line = t.nextLine;
            if (t.formatKnown) {
                if (t.gz) {
                    return skipTo(t.offset) ? Seek.READY : Seek.SHORTER;
                }
                ch.position(t.offset);
                streaming = true;
                return Seek.READY;
            }
            // Read only until line 1 is whole: damage met later must find the lines before it
            // already streaming, so they can be handed over.
            int nl = -1;
            while (nl < 0 && !eof && filled < buf.length) {
                int from = filled;
                fillOnce();
                nl = Newlines.indexOf(buf, from, filled);
            }
            if (filled == 0) {
                return t.offset > 0 ? Seek.SHORTER : ready();
            }
            if (nl < 0 && eof && !t.gz && !quiet()) {
                // An unterminated first line may be a header still being written: decide later.
                rememberTail();
                return Seek.WAIT;
            }
            int end = nl < 0 ? filled : nl;
            t.header = end <= config.maxLineLength()
                    ? FlowFormat.fromHeaderLine(new String(buf, 0, end, StandardCharsets.UTF_8)).orElse(null)
                    : null;
            t.formatKnown = true;
            if (t.header != null && t.offset == 0) {
                t.offset = nl < 0 ? end : nl + 1;
                t.nextLine = 2;
                line = 2;
            }
            long target = t.offset;
            if (target <= filled) {
                shift((int) target);
                pos = target;
                return ready();
            }
            if (t.gz) {
                pos = filled;
                filled = 0;
                return skipTo(target) ? Seek.READY : Seek.SHORTER;
            }
            ch.position(target);
            pos = target;
            filled = 0;
            eof = false;
            return ready();
        }

        private Seek ready() {
            streaming = true;
            return Seek.READY;
        }

        /** Decompresses and drops text up to {@code target}: a .gz cannot be entered in the middle. */
        private boolean skipTo(long target) throws IOException {
            long remaining = target - pos;
            while (remaining > 0) {
                int n = gzip.read(buf, 0, (int) Math.min(buf.length, remaining));
                if (n < 0) {
                    eof = true;
                    return false;
                }
                remaining -= n;
            }
            pos = target;
            filled = 0;
            streaming = true;
            return true;
        }

        private void stream() throws IOException, InterruptedException {
            while (true) {
                fill();
                if (skipping) {
                    int nl = Newlines.indexOf(buf, 0, filled);
                    if (nl < 0) {
                        if (!eof) {
                            pos += filled;
                            filled = 0;
                            continue;
                        }
                        if (t.gz || quiet()) {
                            pos += filled;
                            filled = 0;
                            skipped(skipLine);
                            skipping = false;
                            line = skipLine + 1;
                            advance();
                        } else {
                            rememberTail();
                        }
                        return;
                    }
                    pos += nl + 1;
                    shift(nl + 1);
                    skipped(skipLine);
                    skipping = false;
                    line = skipLine + 1;
                    advance();
                    continue;
                }
                int lastNl = Newlines.lastIndexOf(buf, 0, filled);
                boolean withLastLine = eof && filled > lastNl + 1 && (t.gz || quiet());
                int end = withLastLine ? filled : lastNl + 1;
                if (end > 0) {
                    emit(end, eof && end == filled);
                }
                if (eof) {
                    if (filled > 0) {
                        rememberTail(); // an unterminated line, probably still being written
                    }
                    return;
                }
                if (filled == buf.length) {
                    // A full buffer without a line break: the line is longer than any accepted line.
                    skipping = true;
                    skipLine = line;
                }
            }
        }

        private void finish() {
            if (eof && filled == 0 && !skipping) {
                if (t.gz) {
                    t.done = true;
                }
                if (!t.counted) {
                    t.counted = true;
                    filesRead.inc();
                }
            }
        }

        /**
         * Hands over buf[0, end) as one chunk with the position after it, dropping overlong lines'
         * text but keeping their line breaks so the line numbers of the rest stay true.
         */
        private void emit(int end, boolean last) throws InterruptedException {
            int max = config.maxLineLength();
            int removed = 0;
            long ln = line;
            int s = 0;
            while (s < end) {
                int nl = Newlines.indexOf(buf, s, end);
                int e = nl < 0 ? end : nl;
                if (e - s > max) {
                    skipped(ln);
                    int cut = e - s;
                    System.arraycopy(buf, e, buf, s, filled - e);
                    filled -= cut;
                    end -= cut;
                    removed += cut;
                    nl = nl < 0 ? -1 : s;
                }
                ln++;
                s = nl < 0 ? end : nl + 1;
            }
            LineChunk chunk = end == 0 ? null
                    : new LineChunk(t.origin, line, buf, 0, end, t.format(config.format()), null);
            int tail = filled - end;
            byte[] next = last ? NO_BYTES : newBuffer(tail);
            System.arraycopy(buf, end, next, 0, tail);
            buf = next;
            filled = tail;
            pos += end + removed;
            line = ln;
            if (last && t.gz) {
                t.done = true;
            }
            advance();
            if (chunk != null) {
                bytesRead.inc(end);
                hand(t, chunk);
            }
        }

        private void advance() {
            t.offset = pos;
            t.nextLine = line;
        }

        private void skipped(long lineNumber) {
            linesSkipped.inc();
            if (overlong++ == 0) {
                LOG.warn("source {}: {}:{}: line longer than max-line-length ({} bytes); skipped",
                        name, t.origin, lineNumber, config.maxLineLength());
            } else {
                LOG.debug("source {}: {}:{}: line longer than max-line-length; skipped", name, t.origin, lineNumber);
            }
        }

        private void damaged(IOException e) {
            long at = skipping ? skipLine : line;
            t.failedSize = size;
            t.failedMtime = mtime;
            fileErrors.inc();
            if (e instanceof EOFException) {
                LOG.warn("source {}: {}:{}: the compressed data ends early (truncated, or still being written); "
                        + "the lines before were read, the rest is tried again when the file changes", name, t.origin, at);
            } else {
                LOG.error("source {}: {}:{}: corrupt compressed data ({}); the lines before were read, "
                        + "the file is skipped until it changes", name, t.origin, at, e.getMessage());
            }
        }

        /** True when the file has not grown since the walk and has been still for a poll interval. */
        private boolean quiet() {
            return pos + filled == size && DirectoryReader.this.quiet(mtime);
        }

        private void rememberTail() {
            t.tailSize = pos + filled;
            t.tailMtime = mtime;
        }

        private void fill() throws IOException {
            while (!eof && filled < buf.length) {
                fillOnce();
            }
        }

        private void fillOnce() throws IOException {
            int n = gzip != null
                    ? gzip.read(buf, filled, buf.length - filled)
                    : ch.read(ByteBuffer.wrap(buf, filled, buf.length - filled));
            if (n < 0) {
                eof = true;
            } else {
                filled += n;
            }
        }

        private void shift(int n) {
            System.arraycopy(buf, n, buf, 0, filled - n);
            filled -= n;
        }

        private byte[] newBuffer(int keep) {
            long cap = config.chunkSize();
            if (!t.gz) {
                long expected = size - pos;
                if (expected > 0) {
                    // At least one accepted line must fit, so a full buffer without '\n' means "overlong".
                    long floor = Math.max(MIN_BUFFER, config.maxLineLength() + 1L);
                    cap = Math.min(cap, Math.max(expected + 1, floor));
                }
            }
            return new byte[(int) Math.max(cap, keep + 1L)];
        }
    }
}
