package io.flowwatch.plugin.duckdb;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a flow-log tree the way AWS delivers it and remembers every record written, so tests can
 * compute expected answers in Java independently of DuckDB:
 * <ul>
 *   <li>gzip text with a v2 header line in {@code AWSLogs/…/vpcflowlogs/eu-west-1/2024/05/{01,02}/{00,01,02}/}
 *       (two files in one hour), including NODATA records whose fields are {@code -};</li>
 *   <li>one Parquet object (written with DuckDB's COPY) in the Hive layout for 2024-05-03 hour 00, us-east-1;</li>
 *   <li>one plain {@code .log} file at the root with a custom header (extra v3/v5 fields and a field AWS
 *       added after this code was written, {@code encryption-status}).</li>
 * </ul>
 */
final class FlowLogTree {

    static final String ACCOUNT = "123456789012";
    static final String[] SOURCES = {"10.0.1.5", "10.0.1.6", "198.51.100.7", "203.0.113.9"};
    static final int[] PORTS = {22, 80, 443, 3389};

    /** One generated record; null fields are written as '-'. */
    record Rec(Integer version, String accountId, String interfaceId, String srcaddr, String dstaddr, Integer srcport,
               Integer dstport, Integer protocol, Long packets, Long bytes, Long start, Long end, String action,
               String logStatus, String vpcId, Integer tcpFlags, String flowDirection, String encryptionStatus,
               String region, Integer year, Integer month, Integer day, Integer hour) {

        boolean noData() {
            return "NODATA".equals(logStatus);
        }
    }

    final List<Rec> records = new ArrayList<>();
    final Path root;
    private final Random random = new Random(20240501);

    FlowLogTree(Path root) {
        this.root = root;
    }

    FlowLogTree writeAll() throws Exception {
        for (int day = 1; day <= 2; day++) {
            for (int hour = 0; hour <= 2; hour++) {
                Path dir = root.resolve("AWSLogs/" + ACCOUNT + "/vpcflowlogs/eu-west-1/2024/05/0" + day + "/0" + hour);
                writeGzip(dir.resolve(name(day, hour, "a")), day, hour, 40 + random.nextInt(30));
                if (day == 2 && hour == 1) {
                    writeGzip(dir.resolve(name(day, hour, "b")), day, hour, 25);
                }
            }
        }
        writeParquet(root.resolve("AWSLogs/aws-account-id=" + ACCOUNT + "/aws-service=vpcflowlogs/aws-region=us-east-1"
                + "/year=2024/month=05/day=03/hour=00/" + ACCOUNT + "_vpcflowlogs_us-east-1_fl-1_20240503T0000Z_x.log.parquet"), 37);
        writeCustom(root.resolve("custom.log"), 15);
        return this;
    }

    private static String name(int day, int hour, String hash) {
        return ACCOUNT + "_vpcflowlogs_eu-west-1_fl-0abc_202405" + String.format("%02d", day) + "T0" + hour + "00Z_" + hash + ".log.gz";
    }

    private Rec random(String region, int day, int hour, Integer year, Integer month, Integer pday, Integer phour, boolean custom) {
        long start = LocalDateTime.of(2024, 5, day, hour, 0).toEpochSecond(ZoneOffset.UTC) + random.nextInt(3000);
        if (random.nextInt(10) == 0) {
            return new Rec(2, ACCOUNT, "eni-0" + random.nextInt(3), null, null, null, null, null, null, null,
                    start, start + 60, null, "NODATA", custom ? "vpc-1" : null, null, null, custom ? "0" : null,
                    region, year, month, pday, phour);
        }
        int port = PORTS[random.nextInt(PORTS.length)];
        return new Rec(2, ACCOUNT, "eni-0" + random.nextInt(3), SOURCES[random.nextInt(SOURCES.length)], "10.0.2.10",
                1024 + random.nextInt(60000), port, port == 3389 ? 17 : 6, 1L + random.nextInt(50),
                40L + random.nextInt(1_000_000), start, start + 1 + random.nextInt(59),
                random.nextInt(3) == 0 ? "REJECT" : "ACCEPT", "OK", custom ? "vpc-" + random.nextInt(2) : null,
                custom ? random.nextInt(32) : null, custom ? (random.nextBoolean() ? "ingress" : "egress") : null,
                custom ? "1" : null, region, year, month, pday, phour);
    }

    private void writeGzip(Path file, int day, int hour, int count) throws IOException {
        Files.createDirectories(file.getParent());
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file));
             Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8)) {
            w.write("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n");
            for (int i = 0; i < count; i++) {
                Rec r = random("eu-west-1", day, hour, 2024, 5, day, hour, false);
                records.add(r);
                w.write(line(r.version(), r.accountId(), r.interfaceId(), r.srcaddr(), r.dstaddr(), r.srcport(), r.dstport(),
                        r.protocol(), r.packets(), r.bytes(), r.start(), r.end(), r.action(), r.logStatus()));
            }
        }
    }

    private void writeCustom(Path file, int count) throws IOException {
        StringBuilder sb = new StringBuilder("version vpc-id srcaddr dstaddr srcport dstport protocol packets bytes start end action"
                + " log-status tcp-flags flow-direction encryption-status\n");
        for (int i = 0; i < count; i++) {
            Rec r = random(null, 2, 2, null, null, null, null, true);
            records.add(r);
            sb.append(line(r.version(), r.vpcId(), r.srcaddr(), r.dstaddr(), r.srcport(), r.dstport(), r.protocol(),
                    r.packets(), r.bytes(), r.start(), r.end(), r.action(), r.logStatus(), r.tcpFlags(), r.flowDirection(),
                    r.encryptionStatus()));
        }
        Files.writeString(file, sb.toString());
    }

    private void writeParquet(Path file, int count) throws Exception {
        Files.createDirectories(file.getParent());
        List<Rec> rows = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            rows.add(random("us-east-1", 3, 0, 2024, 5, 3, 0, false));
        }
        records.addAll(rows);
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement()) {
            // AWS's Parquet column names and types (FLOWLOGS.md): INT_32 / INT_64 / STRING.
            s.execute("CREATE TABLE t (version INTEGER, account_id VARCHAR, interface_id VARCHAR, srcaddr VARCHAR, dstaddr VARCHAR,"
                    + " srcport INTEGER, dstport INTEGER, protocol INTEGER, packets BIGINT, bytes BIGINT, start BIGINT, \"end\" BIGINT,"
                    + " action VARCHAR, log_status VARCHAR)");
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                for (Rec r : rows) {
                    Object[] v = {r.version(), r.accountId(), r.interfaceId(), r.srcaddr(), r.dstaddr(), r.srcport(), r.dstport(),
                            r.protocol(), r.packets(), r.bytes(), r.start(), r.end(), r.action(), r.logStatus()};
                    for (int i = 0; i < v.length; i++) {
                        ps.setObject(i + 1, v[i]);
                    }
                    ps.executeUpdate();
                }
            }
            s.execute("COPY t TO '" + file.toString().replace("'", "''") + "' (FORMAT parquet, COMPRESSION gzip)");
        }
    }

    private static String line(Object... values) {
        StringBuilder sb = new StringBuilder();
        for (Object v : values) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(v == null ? "-" : v.toString());
        }
        return sb.append('\n').toString();
    }
}
