package io.flowwatch.plugin.s3;

import io.flowwatch.api.record.FlowField;
import io.flowwatch.api.record.FlowFormat;
import org.duckdb.DuckDBDriver;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Turns a Parquet flow-log object (staged in a local file) into text lines with a {@link FlowFormat}
 * built from its column names, using DuckDB's {@code read_parquet}. The runtime's parser then reads
 * them like any other flow-log text, so both storage forms give the same records.
 *
 * <p>Column names are taken as AWS field names; {@code log_status} style (underscores) is accepted
 * for {@code log-status}. A null or empty value becomes {@code -}, AWS's "absent". One in-memory
 * DuckDB connection is opened on first use and kept; the reader thread alone uses it.
 */
final class ParquetRows implements AutoCloseable {

    /** The object's columns do not describe flow-log records. */
    static final class UnexpectedColumns extends Exception {
        UnexpectedColumns(String message) {
            super(message);
        }
    }

    /** Receives whole lines, {@code firstLine} being the 1-based row number of the first. */
    interface Sink {
        void chunk(long firstLine, byte[] data, int length, FlowFormat format) throws InterruptedException;
    }

    private Connection connection;

    void read(Path file, int chunkSize, Sink sink) throws SQLException, UnexpectedColumns, InterruptedException {
        if (connection == null) {
            Properties p = new Properties();
            // One thread: the pipeline, not DuckDB, should use the cores; the files are small.
            p.setProperty("threads", "1");
            connection = new DuckDBDriver().connect("jdbc:duckdb:", p);
        }
        String path = file.toAbsolutePath().toString().replace("'", "''");
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT * FROM read_parquet('" + path + "')")) {
            ResultSetMetaData md = rs.getMetaData();
            int n = md.getColumnCount();
            FlowFormat format = format(md, n);
            byte[] buf = new byte[chunkSize];
            int filled = 0;
            long row = 0;
            long firstRow = 1;
            StringBuilder line = new StringBuilder(256);
            while (rs.next()) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedException();
                }
                line.setLength(0);
                for (int i = 1; i <= n; i++) {
                    if (i > 1) {
                        line.append(' ');
                    }
                    Object v = rs.getObject(i);
                    String s = v == null ? "" : v.toString();
                    if (s.isEmpty()) {
                        line.append('-');
                    } else {
                        // A value with a blank would shift every later field of the text line.
                        for (int k = 0; k < s.length(); k++) {
                            char c = s.charAt(k);
                            line.append(c == ' ' || c == '\t' || c == '\n' || c == '\r' ? '_' : c);
                        }
                    }
                }
                line.append('\n');
                byte[] bytes = line.toString().getBytes(StandardCharsets.UTF_8);
                if (filled + bytes.length > buf.length && filled > 0) {
                    sink.chunk(firstRow, buf, filled, format);
                    buf = new byte[chunkSize];
                    filled = 0;
                    firstRow = row + 1;
                }
                if (bytes.length > buf.length) {
                    buf = new byte[bytes.length];
                }
                System.arraycopy(bytes, 0, buf, filled, bytes.length);
                filled += bytes.length;
                row++;
            }
            if (filled > 0) {
                sink.chunk(firstRow, buf, filled, format);
            }
        }
    }

    private static FlowFormat format(ResultSetMetaData md, int n) throws SQLException, UnexpectedColumns {
        List<String> names = new ArrayList<>(n);
        boolean anyKnown = false;
        for (int i = 1; i <= n; i++) {
            String c = md.getColumnName(i);
            String name = c;
            if (FlowField.byAwsName(c).isEmpty() && FlowField.byAwsName(c.replace('_', '-')).isPresent()) {
                name = c.replace('_', '-');
            }
            anyKnown |= FlowField.byAwsName(name).isPresent();
            names.add(name);
        }
        if (!anyKnown) {
            throw new UnexpectedColumns("none of its columns " + names + " is a flow-log field");
        }
        try {
            return FlowFormat.of(names);
        } catch (IllegalArgumentException e) {
            throw new UnexpectedColumns("its columns " + names + " are not flow-log fields: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                // Nothing to do: the in-memory database goes away with the connection anyway.
            }
            connection = null;
        }
    }
}
