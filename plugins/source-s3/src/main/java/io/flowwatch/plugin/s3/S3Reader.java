package io.flowwatch.plugin.s3;

import io.flowwatch.api.PluginMetrics;
import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.source.LineChunk;
import io.flowwatch.api.source.Newlines;
import io.flowwatch.api.source.Position;
import io.flowwatch.plugin.support.source.ChunkQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * The reader thread of an {@link S3Source}: finds the account/region partitions under the prefix,
 * lists each from its {@link PartitionCursor}, downloads and decompresses objects in key order and
 * queues chunks of whole lines, each object followed by its partition's new position. The queue
 * is bounded, so at most {@code read-ahead} chunks are read ahead of the pipeline. It owns all
 * cursors; nothing else touches them once {@link #run} has started.
 *
 * <p>Problems with one object (corrupt gzip, a Parquet file with other columns) are logged with the
 * object and line, counted, and the object is passed over. Problems with S3 itself (throttling and
 * 5xx after the SDK's retries, a missing bucket, denied access) stop the partition's listing at the
 * object concerned; the source reports them on the next poll and tries again with backoff.
 */
final class S3Reader implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(S3Source.class);
    private static final int GZIP_INPUT_BUFFER = 64 * 1024;
    private static final Duration MIN_BACKOFF = Duration.ofSeconds(1);
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

    enum Kind { GZIP, PLAIN, PARQUET }

    private final String name;
    private final S3SourceConfig config;
    private final S3Client s3;
    private final ChunkQueue queue;
    private final Clock clock;
    private final LocalDate from;
    private final Path tempDir;
    private final long marginSeconds;
    private final Map<String, PartitionCursor> cursors = new HashMap<>();
    private final ParquetRows parquet = new ParquetRows();
    private final PluginMetrics.Counter objectsRead;
    private final PluginMetrics.Counter objectErrors;
    private final PluginMetrics.Counter lateObjects;
    private final PluginMetrics.Counter bytesRead;
    private final PluginMetrics.Counter listErrors;
    private final PluginMetrics.Gauge partitions;
    private boolean progressed;

    S3Reader(String name, S3SourceConfig config, S3Client s3, ChunkQueue queue, Clock clock, PluginMetrics metrics,
             Path tempDir) {
        this.name = name;
        this.config = config;
        this.s3 = s3;
        this.queue = queue;
        this.clock = clock;
        this.tempDir = tempDir;
        this.marginSeconds = config.lateMargin().toSeconds();
        this.from = config.from() != null ? config.from() : LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).minusDays(1);
        this.objectsRead = metrics.counter("source_objects_total", "S3 objects read to their end.");
        this.objectErrors = metrics.counter("source_object_errors_total",
                "S3 objects skipped in part or whole: corrupt or truncated gzip, unreadable Parquet, unexpected columns.");
        this.lateObjects = metrics.counter("source_late_objects_total",
                "S3 objects found before the last key read (delivered late) and read then.");
        this.bytesRead = metrics.counter("source_bytes_read_total", "Bytes of flow-log text handed over, after decompression.");
        this.listErrors = metrics.counter("source_s3_errors_total",
                "Listings or downloads that failed after the SDK's retries (throttling, 5xx, missing bucket, denied access).");
        this.partitions = metrics.gauge("source_partitions", "Account/region partitions being read.");
    }

    LocalDate from() {
        return from;
    }

    static Kind kindOf(String key) {
        if (key.endsWith(".log.gz") || key.endsWith(".txt.gz")) {
            return Kind.GZIP;
        }
        if (key.endsWith(".log")) {
            return Kind.PLAIN;
        }
        if (key.endsWith(".parquet")) {
            return Kind.PARQUET;
        }
        return null;
    }

    /** Takes the committed positions; called before the thread starts. */
    void resume(Map<String, String> committed) {
        committed.forEach((partition, offset) -> {
            if (offset == null) {
                return;
            }
            try {
                cursors.put(partition, PartitionCursor.parse(offset));
            } catch (IllegalArgumentException e) {
                LOG.warn("source {}: cannot use the committed position of partition {} ({}); reading it from {}",
                        name, partition, e.getMessage(), from);
            }
        });
    }

    @Override
    public void run() {
        Duration backoff = min(MIN_BACKOFF, config.pollInterval());
        try {
            while (!queue.isClosed()) {
                progressed = false;
                String failure;
                try {
                    failure = scan();
                } catch (SdkException e) {
                    if (closing(e)) {
                        return;
                    }
                    listErrors.inc();
                    failure = "listing s3://" + config.bucket() + "/" + config.layout().base() + " failed: " + describe(e);
                }
                if (failure != null) {
                    LOG.warn("source {}: {}; trying again in {}", name, failure, backoff);
                    queue.problem(new IOException(failure));
                    if (queue.sleep(backoff)) {
                        return;
                    }
                    backoff = min(backoff.multipliedBy(2), MAX_BACKOFF);
                    continue;
                }
                backoff = min(MIN_BACKOFF, config.pollInterval());
                if (!progressed) {
                    queue.readerIdle();
                    if (queue.sleep(config.pollInterval())) {
                        return;
                    }
                }
            }
        } catch (InterruptedException e) {
            // close() interrupts: the source is going away.
        } catch (Throwable e) {
            LOG.error("source {}: reader thread failed", name, e);
            queue.fail(e);
        } finally {
            parquet.close();
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private boolean closing(Throwable e) {
        return queue.isClosed() || e instanceof AbortedException || Thread.currentThread().isInterrupted();
    }

    /** Lists every partition once; returns the first partition's problem, or null. */
    private String scan() throws InterruptedException {
        List<S3Layout.Partition> found = discover();
        partitions.set(found.size());
        String first = null;
        for (S3Layout.Partition p : found) {
            PartitionCursor c = cursors.computeIfAbsent(p.name(), k -> new PartitionCursor());
            try {
                pass(p, c);
            } catch (PassFailed e) {
                if (closing(e.getCause())) {
                    throw new InterruptedException();
                }
                listErrors.inc();
                LOG.warn("source {}: {}", name, e.getMessage());
                if (first == null) {
                    first = e.getMessage();
                }
            }
        }
        return first;
    }

    // ---- discovery -----------------------------------------------------------------------------

    /** The partitions below the prefix that the accounts and regions filters let through, in key order. */
    private List<S3Layout.Partition> discover() {
        S3Layout layout = config.layout();
        List<S3Layout.Partition> out = new ArrayList<>();
        for (String accountPrefix : commonPrefixes(layout.base())) {
            S3Layout.AccountDir a = layout.accountDir(accountPrefix);
            if (a == null || !config.accounts().isEmpty() && !config.accounts().contains(a.account())) {
                continue;
            }
            for (String regionPrefix : commonPrefixes(a.regionsPrefix())) {
                S3Layout.Partition p = S3Layout.partition(a, regionPrefix);
                if (p != null && (config.regions().isEmpty() || config.regions().contains(p.region()))) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    private List<String> commonPrefixes(String prefix) {
        List<String> out = new ArrayList<>();
        String token = null;
        do {
            ListObjectsV2Response r = s3.listObjectsV2(list(prefix, null, token).delimiter("/").build());
            for (CommonPrefix cp : r.commonPrefixes()) {
                out.add(cp.prefix());
            }
            token = Boolean.TRUE.equals(r.isTruncated()) ? r.nextContinuationToken() : null;
        } while (token != null);
        return out;
    }

    private ListObjectsV2Request.Builder list(String prefix, String startAfter, String token) {
        // A continuation token already encodes where the listing stands: S3 ignores StartAfter then, and
        // some S3-compatible stores refuse the pair, so only the first page carries it.
        return ListObjectsV2Request.builder().bucket(config.bucket()).prefix(prefix)
                .startAfter(token == null ? startAfter : null)
                .continuationToken(token).expectedBucketOwner(config.expectedBucketOwner());
    }

    // ---- one partition -------------------------------------------------------------------------

    /** A partition's listing or an object's download failed; the message names bucket and key. */
    private static final class PassFailed extends Exception {
        PassFailed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Lists a partition from the start of its late window (see {@link PartitionCursor}) and hands over
     * every object not handed over before, in key order.
     */
    private void pass(S3Layout.Partition p, PartitionCursor c) throws PassFailed, InterruptedException {
        LocalDate afterDay = c.after == null ? null : p.dayOf(c.after);
        LocalDate startDay = afterDay == null ? from : max(from, afterDay.minusDays(config.lateDays()));
        String windowStart = p.dayPath(startDay);
        String startAfter = p.prefix() + windowStart;
        long serverTime = PartitionCursor.NONE;
        boolean handed = false;
        String token = null;
        pages:
        do {
            ListObjectsV2Response r;
            try {
                r = s3.listObjectsV2(list(p.prefix(), startAfter, token).build());
            } catch (SdkException e) {
                throw new PassFailed("listing s3://" + config.bucket() + "/" + p.prefix() + " failed: " + describe(e), e);
            }
            if (serverTime == PartitionCursor.NONE) {
                serverTime = serverTime(r);
                if (c.listedAt == PartitionCursor.NONE) {
                    // First listing: it is the one every object handed over in this pass comes from.
                    c.listedAt = serverTime;
                }
            }
            for (S3Object o : r.contents()) {
                String rel = o.key().substring(p.prefix().length());
                LocalDate day = p.dayOf(rel);
                Kind kind = kindOf(rel);
                if (day == null || kind == null || day.isBefore(from)) {
                    continue;
                }
                if (config.to() != null && day.isAfter(config.to())) {
                    break pages; // keys sort by day: nothing later is wanted
                }
                long modified = o.lastModified() == null ? serverTime : o.lastModified().getEpochSecond();
                if (c.seen(rel, modified, marginSeconds)) {
                    continue;
                }
                if (c.after != null && rel.compareTo(c.after) <= 0) {
                    lateObjects.inc();
                    LOG.info("source {}: {} was delivered after later keys had been read; reading it now", name, origin(o.key()));
                }
                read(o.key(), kind);
                c.record(rel, modified, marginSeconds);
                queue.put(new ChunkQueue.Item(null, new Position(p.name(), c.encode())));
                progressed = true;
                handed = true;
            }
            token = Boolean.TRUE.equals(r.isTruncated()) ? r.nextContinuationToken() : null;
        } while (token != null);
        if (c.listed(serverTime, marginSeconds, windowStart) && !handed) {
            queue.put(new ChunkQueue.Item(null, new Position(p.name(), c.encode())));
        }
    }

    private static LocalDate max(LocalDate a, LocalDate b) {
        return a.isAfter(b) ? a : b;
    }

    /** S3's own clock (the Date header), so LastModified times are compared with the same clock. */
    private long serverTime(ListObjectsV2Response r) {
        Optional<String> date = r.sdkHttpResponse() == null ? Optional.empty() : r.sdkHttpResponse().firstMatchingHeader("Date");
        if (date.isPresent()) {
            try {
                return ZonedDateTime.parse(date.get(), DateTimeFormatter.RFC_1123_DATE_TIME).toEpochSecond();
            } catch (DateTimeParseException e) {
                LOG.debug("source {}: unreadable Date header '{}'", name, date.get());
            }
        }
        return clock.instant().getEpochSecond();
    }

    private String origin(String key) {
        return "s3://" + config.bucket() + "/" + key;
    }

    // ---- one object ----------------------------------------------------------------------------

    private void read(String key, Kind kind) throws PassFailed, InterruptedException {
        String origin = origin(key);
        GetObjectRequest req = GetObjectRequest.builder().bucket(config.bucket()).key(key)
                .expectedBucketOwner(config.expectedBucketOwner()).build();
        try {
            if (kind == Kind.PARQUET) {
                readParquet(req, origin);
            } else {
                try (ResponseInputStream<GetObjectResponse> in = s3.getObject(req)) {
                    readText(origin, in, kind == Kind.GZIP);
                }
            }
            objectsRead.inc();
        } catch (NoSuchKeyException e) {
            LOG.warn("source {}: {} was deleted after it was listed; passing over it", name, origin);
        } catch (SdkException e) {
            throw new PassFailed("reading " + origin + " failed: " + describe(e), e);
        } catch (InterruptedIOException e) {
            throw new InterruptedException();
        } catch (IOException e) {
            if (queue.isClosed()) {
                throw new InterruptedException();
            }
            throw new PassFailed("reading " + origin + " failed: " + e, e);
        }
    }

    private void readParquet(GetObjectRequest req, String origin) throws IOException, InterruptedException {
        Path dir = Files.createDirectories(tempDir);
        Path file = Files.createTempFile(dir, "object-", ".parquet");
        try {
            Files.delete(file); // the SDK writes a new file and refuses to overwrite
            s3.getObject(req, ResponseTransformer.toFile(file));
            parquet.read(file, config.chunkSize(), (firstLine, data, length, format) -> {
                bytesRead.inc(length);
                queue.put(new ChunkQueue.Item(new LineChunk(origin, firstLine, data, 0, length, format, null), null));
            });
        } catch (SQLException e) {
            objectErrors.inc();
            LOG.error("source {}: {}: not a readable Parquet file ({}); passing over it", name, origin, firstLine(e.getMessage()));
        } catch (ParquetRows.UnexpectedColumns e) {
            objectErrors.inc();
            LOG.error("source {}: {}: {}; passing over it", name, origin, e.getMessage());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /**
     * Reads text into chunks of whole lines. Line 1 is checked for a header (AWS's text objects start
     * with one) whose format then goes with every chunk. Damaged gzip keeps the lines before the damage.
     */
    private void readText(String origin, InputStream raw, boolean gz) throws IOException, InterruptedException {
        int size = config.chunkSize();
        byte[] buf = new byte[size];
        int filled = 0;
        long line = 1;
        boolean first = true;
        boolean skipping = false;
        boolean eof = false;
        FlowFormat format = config.format();
        InputStream in = raw;
        try {
            if (gz) {
                in = new GZIPInputStream(raw, GZIP_INPUT_BUFFER);
            }
            while (!eof) {
                int n = in.read(buf, filled, buf.length - filled);
                if (n < 0) {
                    eof = true;
                } else {
                    filled += n;
                    if (filled < buf.length) {
                        continue;
                    }
                }
                if (skipping) {
                    int nl = Newlines.indexOf(buf, 0, filled);
                    if (nl < 0) {
                        filled = 0;
                        continue;
                    }
                    filled = shift(buf, nl + 1, filled);
                    skipping = false;
                    line++;
                }
                if (first) {
                    int nl = Newlines.indexOf(buf, 0, filled);
                    if (nl >= 0 || eof) {
                        first = false;
                        int end = nl < 0 ? filled : nl;
                        Optional<FlowFormat> header = FlowFormat.fromHeaderLine(new String(buf, 0, end, StandardCharsets.UTF_8));
                        if (header.isPresent()) {
                            format = header.get();
                            filled = shift(buf, nl < 0 ? filled : nl + 1, filled);
                            line = 2;
                        }
                    }
                }
                int lastNl = Newlines.lastIndexOf(buf, 0, filled);
                int end = eof ? filled : lastNl + 1;
                if (end > 0) {
                    byte[] next = new byte[size];
                    System.arraycopy(buf, end, next, 0, filled - end);
                    hand(origin, line, buf, end, format);
                    line += Newlines.count(buf, 0, end);
                    filled -= end;
                    buf = next;
                } else if (filled == buf.length) {
                    // No line break in a whole chunk: no flow-log line is that long.
                    LOG.warn("source {}: {}:{}: line longer than chunk-size ({} bytes); skipped", name, origin, line, size);
                    objectErrors.inc();
                    filled = 0;
                    skipping = true;
                    first = false;
                }
            }
        } catch (ZipException | EOFException e) {
            if (!gz) {
                throw e;
            }
            int lastNl = skipping ? -1 : Newlines.lastIndexOf(buf, 0, filled);
            if (lastNl >= 0) {
                hand(origin, line, buf, lastNl + 1, format);
                line += Newlines.count(buf, 0, lastNl + 1);
            }
            objectErrors.inc();
            LOG.error("source {}: {}:{}: {} ({}); the lines before were read, the rest of the object is passed over",
                    name, origin, line, e instanceof EOFException ? "the compressed data ends early" : "corrupt compressed data",
                    e.getMessage());
        } finally {
            if (in != raw) {
                in.close(); // frees the inflater now rather than at GC
            }
        }
    }

    private void hand(String origin, long line, byte[] data, int length, FlowFormat format) throws InterruptedException {
        bytesRead.inc(length);
        queue.put(new ChunkQueue.Item(new LineChunk(origin, line, data, 0, length, format, null), null));
    }

    private static int shift(byte[] b, int n, int filled) {
        System.arraycopy(b, n, b, 0, filled - n);
        return filled - n;
    }

    /** An SDK failure in one line: the service's error code and message with the HTTP status, or the client's reason. */
    static String describe(SdkException e) {
        if (e instanceof AwsServiceException s && s.awsErrorDetails() != null) {
            String code = s.awsErrorDetails().errorCode();
            String msg = s.awsErrorDetails().errorMessage();
            return (code == null ? "error" : code) + (msg == null ? "" : ": " + msg) + " (HTTP " + s.statusCode() + ")";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
