package io.flowwatch.benchmarks;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;

/**
 * Generates flow-log data of realistic shape for benchmarks: a few hundred interfaces in private
 * ranges, Zipf-distributed external peers, common ports, ~10% REJECT, occasional NODATA, written
 * as gzip objects in the S3 layout with a header line, like AWS delivers them.
 *
 * <p>Usage: {@code java -cp benchmarks.jar io.flowwatch.benchmarks.FlowLogGenerator DIR RECORDS [OBJECTS] [custom]}
 */
public final class FlowLogGenerator {

    static final String DEFAULT_HEADER = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";
    static final String CUSTOM_HEADER = "version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport "
            + "pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status flow-direction traffic-path";
    private static final int[] SERVER_PORTS = {443, 80, 22, 53, 123, 3306, 5432, 6379, 8080, 9200};

    private final SplittableRandom random;
    private final boolean custom;
    private final String[] enis = new String[300];
    private final String[] privateAddrs = new String[300];
    private final String[] peers = new String[5000];
    private final double[] zipfCdf;
    private long time = 1_764_000_000L;

    public FlowLogGenerator(long seed, boolean custom) {
        this.random = new SplittableRandom(seed);
        this.custom = custom;
        for (int i = 0; i < enis.length; i++) {
            enis[i] = String.format("eni-%017x", random.nextLong() & 0xffffffffffffL);
            privateAddrs[i] = "10.0." + (i / 50) + "." + (10 + i % 50);
        }
        for (int i = 0; i < peers.length; i++) {
            peers[i] = (i % 40 == 0)
                    ? String.format("2001:db8:%x:%x::%x", random.nextInt(65536), random.nextInt(65536), random.nextInt(65536))
                    : (random.nextInt(223) + 1) + "." + random.nextInt(256) + "." + random.nextInt(256) + "." + (random.nextInt(254) + 1);
        }
        zipfCdf = new double[peers.length];
        double sum = 0;
        for (int i = 0; i < peers.length; i++) {
            sum += 1.0 / Math.pow(i + 1, 1.1);
            zipfCdf[i] = sum;
        }
        for (int i = 0; i < peers.length; i++) {
            zipfCdf[i] /= sum;
        }
    }

    /**
     * Moves the generator's clock: records appended from now on start up to a minute before
     * {@code epochSecond}. Lets a live feeder keep event time in step with the wall clock.
     */
    public void setTime(long epochSecond) {
        time = epochSecond;
    }

    public String header() {
        return custom ? CUSTOM_HEADER : DEFAULT_HEADER;
    }

    private String peer() {
        double u = random.nextDouble();
        int lo = 0;
        int hi = zipfCdf.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (zipfCdf[mid] < u) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return peers[lo];
    }

    /** Appends one record line (with '\n'). */
    public void appendRecord(StringBuilder sb) {
        if (random.nextInt(1000) < 3) {
            time += random.nextInt(2);
        }
        int eni = random.nextInt(enis.length);
        long start = time - random.nextInt(60);
        long end = start + 1 + random.nextInt(60);
        if (random.nextInt(200) == 0) {
            if (custom) {
                sb.append("5 vpc-0abc subnet-0abc - ").append(enis[eni]).append(" 123456789012 - - - - - - - - - - ")
                        .append(start).append(' ').append(end).append(" - - NODATA - -\n");
            } else {
                sb.append("2 123456789012 ").append(enis[eni]).append(" - - - - - - - ").append(start).append(' ').append(end)
                        .append(" - NODATA\n");
            }
            return;
        }
        boolean inbound = random.nextBoolean();
        boolean reject = random.nextInt(10) == 0;
        String local = privateAddrs[eni];
        String remote = peer();
        int serverPort = SERVER_PORTS[Math.min(SERVER_PORTS.length - 1, (int) (-Math.log(1 - random.nextDouble()) * 2))];
        int ephemeral = 32768 + random.nextInt(28232);
        int protocol = serverPort == 53 || serverPort == 123 ? 17 : (random.nextInt(100) == 0 ? 1 : 6);
        long packets = 1 + (long) (-Math.log(1 - random.nextDouble()) * 20);
        long bytes = packets * (40 + random.nextInt(1400));
        String src = inbound ? remote : local;
        String dst = inbound ? local : remote;
        int sport = inbound ? ephemeral : ephemeral;
        int dport = serverPort;
        if (protocol == 1) {
            sport = 0;
            dport = 0;
        }
        String action = reject ? "REJECT" : "ACCEPT";
        if (custom) {
            sb.append("5 vpc-0a1b2c3d subnet-0a1b2c3d i-0").append(Integer.toHexString(eni + 0x10000)).append(' ')
                    .append(enis[eni]).append(" 123456789012 ").append(src.indexOf(':') >= 0 ? "IPv6" : "IPv4").append(' ')
                    .append(src).append(' ').append(dst).append(' ').append(sport).append(' ').append(dport).append(' ')
                    .append(src).append(' ').append(dst).append(' ').append(protocol).append(' ').append(bytes).append(' ')
                    .append(packets).append(' ').append(start).append(' ').append(end).append(' ').append(action).append(' ')
                    .append(reject ? 2 : 19).append(" OK ").append(inbound ? "ingress" : "egress").append(' ')
                    .append(inbound ? "-" : "2").append('\n');
        } else {
            sb.append("2 123456789012 ").append(enis[eni]).append(' ').append(src).append(' ').append(dst).append(' ')
                    .append(sport).append(' ').append(dport).append(' ').append(protocol).append(' ').append(packets).append(' ')
                    .append(bytes).append(' ').append(start).append(' ').append(end).append(' ').append(action).append(" OK\n");
        }
    }

    /** {@code count} lines of records (no header) as bytes. */
    public byte[] lines(int count) {
        StringBuilder sb = new StringBuilder(count * 110);
        for (int i = 0; i < count; i++) {
            appendRecord(sb);
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: FlowLogGenerator DIR RECORDS [OBJECTS] [custom]");
            System.exit(2);
        }
        Path dir = Paths.get(args[0]);
        long records = Long.parseLong(args[1]);
        int objects = args.length > 2 ? Integer.parseInt(args[2]) : (int) Math.max(1, records / 100_000);
        boolean custom = args.length > 3 && args[3].equals("custom");
        FlowLogGenerator g = new FlowLogGenerator(42, custom);
        long perObject = records / objects;
        long written = 0;
        for (int o = 0; o < objects; o++) {
            long n = o == objects - 1 ? records - written : perObject;
            int hour = o * 24 / objects;
            Path file = dir.resolve(String.format("AWSLogs/123456789012/vpcflowlogs/eu-west-1/2025/11/24/"
                    + "123456789012_vpcflowlogs_eu-west-1_fl-0abc_20251124T%02d%02dZ_%08x.log.gz", hour, o % 60, o));
            Files.createDirectories(file.getParent());
            try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file), 1 << 16)) {
                out.write((g.header() + "\n").getBytes(StandardCharsets.US_ASCII));
                StringBuilder sb = new StringBuilder(1 << 20);
                for (long i = 0; i < n; i++) {
                    g.appendRecord(sb);
                    if (sb.length() > (1 << 20) - 512) {
                        out.write(sb.toString().getBytes(StandardCharsets.US_ASCII));
                        sb.setLength(0);
                    }
                }
                out.write(sb.toString().getBytes(StandardCharsets.US_ASCII));
            }
            written += n;
        }
        System.out.println("wrote " + written + " records in " + objects + " objects under " + dir);
    }
}
