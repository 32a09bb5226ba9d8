package io.flowwatch.plugin.duckdb;

import io.flowwatch.api.FlowwatchException;
import io.flowwatch.api.record.FlowField;
import io.flowwatch.api.record.FlowFormat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;

/**
 * Lists the flow-log objects under the root for each query and learns each one's columns: the
 * header line of a text object (read here, so DuckDB reads the data with declared types instead of
 * guessing them), the schema of a Parquet object. What was learnt is kept per file while its size
 * and modification time stay the same, so a query over a large tree does not reopen every file.
 * Thread-safe.
 */
final class FlowLogFiles {

    /** What we know of a file, valid while its size and mtime are unchanged. */
    private record Known(long size, long mtime, FlowLogFile file) {
    }

    private final Path root;
    private final FlowFormat headerless;
    private final Map<Path, Known> known = new ConcurrentHashMap<>();

    FlowLogFiles(Path root, FlowFormat headerless) {
        this.root = root;
        this.headerless = headerless;
    }

    /**
     * Every readable object under the root, in path order. An empty tree is no error; a root that
     * does not exist or is not a directory is.
     *
     * @param connection used to read Parquet footers
     */
    List<FlowLogFile> list(Connection connection) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new FlowwatchException("the flow-log directory " + root.toAbsolutePath()
                    + (Files.exists(root) ? " is not a directory" : " does not exist"));
        }
        List<Path> paths = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                String name = file.getFileName().toString();
                if (attrs.isRegularFile() && !name.startsWith(".") && kindOf(name) != null) {
                    paths.add(file);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                // A file removed while we walk (rotation, retention) is simply gone.
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }
        });
        paths.sort(null);
        List<FlowLogFile> files = new ArrayList<>(paths.size());
        for (Path p : paths) {
            FlowLogFile f = describe(p, connection);
            if (f != null) {
                files.add(f);
            }
        }
        // Forget files that are gone, so the cache does not grow with retention churn.
        known.keySet().retainAll(new java.util.HashSet<>(paths));
        return files;
    }

    private FlowLogFile describe(Path path, Connection connection) throws IOException {
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return null;
        }
        if (attrs.size() == 0) {
            return null; // being created, or nothing in it: no rows either way
        }
        long mtime = attrs.lastModifiedTime().toMillis();
        Known k = known.get(path);
        if (k != null && k.size == attrs.size() && k.mtime == mtime) {
            return k.file;
        }
        FlowLogFile.Kind kind = kindOf(path.getFileName().toString());
        List<String> dirs = new ArrayList<>();
        Path rel = root.relativize(path.getParent() == null ? path : path.getParent());
        for (Path part : rel) {
            if (!part.toString().isEmpty()) {
                dirs.add(part.toString());
            }
        }
        FlowLogFile.Partition partition = FlowLogPaths.partition(dirs);
        FlowLogFile file = kind == FlowLogFile.Kind.PARQUET
                ? new FlowLogFile(path, kind, partition, parquetColumns(path, connection), false)
                : textFile(path, kind, partition);
        known.put(path, new Known(attrs.size(), mtime, file));
        return file;
    }

    private FlowLogFile textFile(Path path, FlowLogFile.Kind kind, FlowLogFile.Partition partition) {
        String first = firstLine(path, kind == FlowLogFile.Kind.TEXT_GZIP);
        FlowFormat header = first == null ? null : FlowFormat.fromHeaderLine(first).orElse(null);
        FlowFormat format = header != null ? header : headerless;
        List<FlowLogFile.Column> columns = new ArrayList<>(format.size());
        for (FlowFormat.Column c : format.columns()) {
            columns.add(new FlowLogFile.Column(c.columnName(), c.columnName(), sqlType(c.type())));
        }
        return new FlowLogFile(path, kind, partition, columns, header != null);
    }

    /**
     * The first line, or null when it cannot be read: such a file is then read as headerless, and
     * DuckDB reports the damage (naming the file) only to queries that actually read it, so one
     * corrupt object in another day does not break every query.
     */
    private static String firstLine(Path path, boolean gzip) {
        try (InputStream in = gzip ? new GZIPInputStream(Files.newInputStream(path), 8192) : Files.newInputStream(path);
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 8192)) {
            return r.readLine();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static List<FlowLogFile.Column> parquetColumns(Path path, Connection connection) {
        List<FlowLogFile.Column> columns = new ArrayList<>();
        String sql = "SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet(" + FlowLogView.literal(path.toString()) + ", hive_partitioning = false))";
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                String stored = rs.getString(1);
                // AWS's Parquet names are already underscored; accept hyphenated ones too.
                String name = stored.replace('-', '_');
                FlowField field = FlowField.byAwsName(stored.replace('_', '-')).orElse(null);
                columns.add(new FlowLogFile.Column(stored, name, sqlType(field == null ? FlowField.Type.STRING : field.type())));
            }
        } catch (SQLException e) {
            // Unlike text, a Parquet object's schema is needed to build the view at all.
            throw new FlowwatchException("cannot read the Parquet object " + path + ": " + e.getMessage(), e);
        }
        return columns;
    }

    static String sqlType(FlowField.Type type) {
        return switch (type) {
            case INT32 -> "INTEGER";
            case INT64 -> "BIGINT";
            case STRING -> "VARCHAR";
        };
    }

    static FlowLogFile.Kind kindOf(String name) {
        if (name.endsWith(".log.gz")) {
            return FlowLogFile.Kind.TEXT_GZIP;
        }
        if (name.endsWith(".log")) {
            return FlowLogFile.Kind.TEXT_PLAIN;
        }
        if (name.endsWith(".parquet")) {
            return FlowLogFile.Kind.PARQUET;
        }
        return null;
    }
}
