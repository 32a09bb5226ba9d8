package io.flowwatch.benchmarks;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.zip.GZIPOutputStream;

/**
 * Feeds a directory source at a steady rate for the sustained-load run ({@code load-run.sh}):
 * every {@code INTERVAL} seconds it writes one gzip object in the S3 layout, with a header line,
 * holding {@code RATE * INTERVAL} records from {@link FlowLogGenerator} whose event times cover
 * that interval, trailing the wall clock by a minute as AWS deliveries do. Objects are written
 * beside their final name and renamed into place, so the agent never sees half an object.
 *
 * <p>The schedule is fixed-rate from the start (object k is due at start + k * INTERVAL), so a
 * slow write does not lower the rate; a feeder that falls behind says so. One line per object on
 * standard output: {@code fed <epoch-millis> <objects> <records>}, which the script samples.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.flowwatch.benchmarks.LoadFeeder DIR RATE INTERVAL DURATION}
 * (records per second, seconds, seconds).
 */
public final class LoadFeeder {

    /** Flow logs reach S3 some time after the flows; the records trail the wall clock by this. */
    private static final long DELIVERY_DELAY_SECONDS = 60;
    private static final DateTimeFormatter DAY_DIR = DateTimeFormatter.ofPattern("yyyy/MM/dd").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter KEY_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmm'Z'").withZone(ZoneOffset.UTC);

    private LoadFeeder() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        if (args.length != 4) {
            System.err.println("usage: LoadFeeder DIR RATE INTERVAL DURATION   (records/s, seconds, seconds)");
            System.exit(2);
        }
        Path dir = Paths.get(args[0]);
        long rate = Long.parseLong(args[1]);
        long intervalMillis = Long.parseLong(args[2]) * 1000;
        long durationMillis = Long.parseLong(args[3]) * 1000;
        if (rate <= 0 || intervalMillis <= 0 || durationMillis < intervalMillis) {
            System.err.println("LoadFeeder: RATE and INTERVAL must be > 0 and DURATION >= INTERVAL");
            System.exit(2);
        }
        int perObject = Math.toIntExact(rate * intervalMillis / 1000);
        FlowLogGenerator generator = new FlowLogGenerator(42, false);
        byte[] header = (generator.header() + "\n").getBytes(StandardCharsets.US_ASCII);
        long start = System.currentTimeMillis();
        long records = 0;
        StringBuilder sb = new StringBuilder(1 << 20);
        for (int k = 1; (long) k * intervalMillis <= durationMillis; k++) {
            long due = start + k * intervalMillis;
            long sleep = due - System.currentTimeMillis();
            if (sleep > 0) {
                Thread.sleep(sleep);
            } else if (-sleep > intervalMillis) {
                System.err.println("LoadFeeder: behind schedule by " + (-sleep) + " ms at object " + k);
            }
            // The object covers the interval that just ended; spread its records evenly over it.
            long sliceStart = due - intervalMillis;
            Instant at = Instant.ofEpochMilli(due);
            Path file = dir.resolve("AWSLogs/123456789012/vpcflowlogs/eu-west-1/" + DAY_DIR.format(at)
                    + String.format("/123456789012_vpcflowlogs_eu-west-1_fl-0load_%s_%08x.log.gz", KEY_TIME.format(at), k));
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                out.write(header);
                for (int i = 0; i < perObject; i++) {
                    long eventMillis = sliceStart + (long) i * intervalMillis / perObject;
                    generator.setTime(eventMillis / 1000 - DELIVERY_DELAY_SECONDS);
                    generator.appendRecord(sb);
                    if (sb.length() > (1 << 20) - 512) {
                        out.write(sb.toString().getBytes(StandardCharsets.US_ASCII));
                        sb.setLength(0);
                    }
                }
                out.write(sb.toString().getBytes(StandardCharsets.US_ASCII));
                sb.setLength(0);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            records += perObject;
            System.out.println("fed " + System.currentTimeMillis() + " " + k + " " + records);
        }
    }
}
