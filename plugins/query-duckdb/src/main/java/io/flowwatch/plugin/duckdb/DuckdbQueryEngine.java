package io.flowwatch.plugin.duckdb;

import io.flowwatch.api.FlowwatchException;
import io.flowwatch.api.PluginContext;
import io.flowwatch.api.query.QueryEngine;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * SQL over a local flow-log tree with an embedded, in-memory DuckDB.
 *
 * <p><b>Connections.</b> The database is opened on the first query (so {@code validate} opens
 * nothing) with its settings fixed and locked at creation. Each {@link #execute} runs on its own
 * connection duplicated from it, with its own {@code flow_logs} view over the files present at that
 * moment: concurrent queries do not wait for each other, and DuckDB shares its {@code threads}
 * between them.
 *
 * <p><b>No network.</b> Extension auto-install and auto-load are off, the extension directory is
 * this engine's own (empty) one and the repositories point at it, and the configuration is locked,
 * so neither the engine nor a user's SQL ({@code SET ...}) can make DuckDB fetch code. Everything
 * used (CSV, gzip, Parquet) is built into the driver.
 *
 * <p><b>Values.</b> Rows carry Integer, Long, BigInteger (DuckDB's HUGEINT, e.g. {@code sum(bytes)}),
 * Double, BigDecimal, Boolean, String, Instant (timestamps, in UTC), LocalDate, or null; other
 * DuckDB values (lists, structs, …) arrive as their text. Parameters may be Number, String,
 * Boolean, Instant/OffsetDateTime (bound as TIMESTAMP WITH TIME ZONE), LocalDate, or null.
 */
final class DuckdbQueryEngine implements QueryEngine {

    private static final Logger LOG = LoggerFactory.getLogger(DuckdbQueryEngine.class);

    private final DuckdbQueryEngineConfig config;
    private final PluginContext ctx;
    private final FlowLogFiles files;
    private final Object lock = new Object();
    private DuckDBConnection database; // guarded by lock
    private ScheduledExecutorService timer; // guarded by lock
    private boolean closed; // guarded by lock

    DuckdbQueryEngine(DuckdbQueryEngineConfig config, PluginContext ctx) {
        this.config = config;
        this.ctx = ctx;
        this.files = new FlowLogFiles(config.path(), config.format());
    }

    DuckdbQueryEngineConfig config() {
        return config;
    }

    @Override
    public void execute(String sql, Map<String, Object> parameters, long rowLimit, RowSink sink) throws Exception {
        SqlParameters translated = SqlParameters.translate(sql);
        List<Object> values = translated.values(parameters == null ? Map.of() : parameters);
        long limit = rowLimit <= 0 ? config.rowLimit() : Math.min(rowLimit, config.rowLimit());
        try (Connection c = connection()) {
            List<FlowLogFile> listed;
            try {
                listed = files.list(c);
            } catch (java.io.IOException e) {
                throw new FlowwatchException("cannot list the flow-log directory " + config.path() + ": " + e, e);
            }
            try (Statement s = c.createStatement()) {
                s.execute(FlowLogView.create(listed));
            } catch (SQLException e) {
                throw new FlowwatchException("cannot build the flow_logs view over " + config.path() + ": " + e.getMessage(), e);
            }
            try (PreparedStatement ps = prepare(c, translated.sql())) {
                for (int i = 0; i < values.size(); i++) {
                    bind(ps, i + 1, translated.names().get(i), values.get(i));
                }
                try {
                    run(ps, limit, sink);
                } catch (FlowwatchException e) {
                    throw explainIoError(e, listed);
                }
            }
        }
    }

    /** Prepares the statement over the current view (DuckDB binds tables and columns at prepare time) without running it. */
    @Override
    public void validate(String sql, java.util.Set<String> parameters) throws Exception {
        SqlParameters translated = SqlParameters.translate(sql);
        for (String name : translated.names()) {
            if (!parameters.contains(name)) {
                throw new FlowwatchException("unknown parameter ${" + name + "}; the query may use " + String.join(", ",
                        parameters.stream().sorted().map(p -> "${" + p + "}").toList()));
            }
        }
        try (Connection c = connection()) {
            List<FlowLogFile> listed;
            try {
                listed = files.list(c);
            } catch (java.io.IOException e) {
                throw new FlowwatchException("cannot list the flow-log directory " + config.path() + ": " + e, e);
            }
            try (Statement s = c.createStatement()) {
                s.execute(FlowLogView.create(listed));
            }
            prepare(c, translated.sql()).close();
        }
    }

    /**
     * DuckDB's gzip errors do not say which file failed. Name it: check the files that were listed,
     * for a few seconds at most, those whose first line could not be read first.
     */
    private static FlowwatchException explainIoError(FlowwatchException e, List<FlowLogFile> listed) {
        String m = e.getMessage();
        if (!m.contains("IO Error") || listed.stream().anyMatch(f -> m.contains(f.path().getFileName().toString()))) {
            return e;
        }
        List<java.nio.file.Path> damaged = GzipCheck.damaged(listed, java.time.Duration.ofSeconds(5));
        if (damaged.isEmpty()) {
            return e;
        }
        return new FlowwatchException(m + " (damaged: " + String.join(", ", damaged.stream().map(Object::toString).toList()) + ")", e);
    }

    private static PreparedStatement prepare(Connection c, String sql) {
        try {
            return c.prepareStatement(sql);
        } catch (SQLException e) {
            throw new FlowwatchException("query failed: " + e.getMessage(), e);
        }
    }

    private void run(PreparedStatement ps, long limit, RowSink sink) throws SQLException {
        AtomicBoolean timedOut = new AtomicBoolean();
        ScheduledFuture<?> cancel = timer().schedule(() -> {
            timedOut.set(true);
            try {
                ps.cancel();
            } catch (SQLException | RuntimeException e) {
                LOG.warn("query engine {}: could not cancel a query that timed out: {}", ctx.name(), e.toString());
            }
        }, config.timeout().toMillis(), TimeUnit.MILLISECONDS);
        try {
            boolean hasResult = ps.execute();
            if (!hasResult) {
                sink.columns(List.of());
                return;
            }
            try (ResultSet rs = ps.getResultSet()) {
                ResultSetMetaData md = rs.getMetaData();
                int n = md.getColumnCount();
                List<String> names = new ArrayList<>(n);
                for (int i = 1; i <= n; i++) {
                    names.add(md.getColumnLabel(i));
                }
                sink.columns(Collections.unmodifiableList(names));
                long rows = 0;
                while (rows < limit && rs.next()) {
                    List<Object> row = new ArrayList<>(n);
                    for (int i = 1; i <= n; i++) {
                        row.add(value(rs, md, i));
                    }
                    rows++;
                    if (!sink.row(Collections.unmodifiableList(row))) {
                        break;
                    }
                }
            }
        } catch (SQLException e) {
            if (timedOut.get()) {
                throw new FlowwatchException("query timed out after " + config.timeout().toSeconds()
                        + "s (timeout) and was cancelled", e);
            }
            throw new FlowwatchException("query failed: " + e.getMessage(), e);
        } finally {
            cancel.cancel(false);
        }
    }

    private static Object value(ResultSet rs, ResultSetMetaData md, int i) throws SQLException {
        switch (md.getColumnType(i)) {
            case Types.TIMESTAMP -> {
                LocalDateTime t = rs.getObject(i, LocalDateTime.class);
                return t == null ? null : t.toInstant(ZoneOffset.UTC);
            }
            case Types.TIMESTAMP_WITH_TIMEZONE -> {
                OffsetDateTime t = rs.getObject(i, OffsetDateTime.class);
                return t == null ? null : t.toInstant();
            }
            case Types.DATE -> {
                return rs.getObject(i, LocalDate.class);
            }
            default -> {
                Object v = rs.getObject(i);
                if (v == null || v instanceof Integer || v instanceof Long || v instanceof String || v instanceof Boolean
                        || v instanceof Double || v instanceof BigInteger || v instanceof BigDecimal) {
                    return v;
                }
                if (v instanceof Short || v instanceof Byte) {
                    return ((Number) v).intValue();
                }
                if (v instanceof Float f) {
                    return f.doubleValue();
                }
                return v.toString();
            }
        }
    }

    private static void bind(PreparedStatement ps, int index, String name, Object v) throws SQLException {
        if (v == null) {
            ps.setObject(index, null);
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            ps.setLong(index, ((Number) v).longValue());
        } else if (v instanceof Double || v instanceof Float) {
            ps.setDouble(index, ((Number) v).doubleValue());
        } else if (v instanceof BigDecimal || v instanceof BigInteger || v instanceof String || v instanceof Boolean
                || v instanceof LocalDate || v instanceof OffsetDateTime) {
            ps.setObject(index, v);
        } else if (v instanceof Instant t) {
            ps.setObject(index, t.atOffset(ZoneOffset.UTC));
        } else {
            throw new FlowwatchException("parameter ${" + name + "}: expected a number, string, boolean, Instant or LocalDate, got "
                    + v.getClass().getName());
        }
    }

    /** A fresh connection to the engine's database, opening the database on first use. */
    private Connection connection() throws SQLException {
        synchronized (lock) {
            if (closed) {
                throw new FlowwatchException("query engine " + ctx.name() + " is closed");
            }
            if (database == null) {
                database = open();
            }
            return database.duplicate();
        }
    }

    private ScheduledExecutorService timer() {
        synchronized (lock) {
            if (timer == null) {
                timer = Executors.newSingleThreadScheduledExecutor(ctx.threadFactory());
            }
            return timer;
        }
    }

    private DuckDBConnection open() throws SQLException {
        Path state = ctx.stateDir();
        String extensions = state.resolve("extensions").toAbsolutePath().toString();
        Properties p = new Properties();
        // Settings given at creation apply before anything could auto-load an extension.
        p.setProperty(DuckDBDriver.JDBC_STREAM_RESULTS, "true");
        p.setProperty("autoinstall_known_extensions", "false");
        p.setProperty("autoload_known_extensions", "false");
        p.setProperty("extension_directory", extensions);
        p.setProperty("custom_extension_repository", extensions);
        p.setProperty("autoinstall_extension_repository", extensions);
        p.setProperty("threads", Integer.toString(config.threads()));
        // Without it a streamed result goes through DuckDB's order-keeping batched collector, which
        // in 1.4 can fail a parallel scan stopped early with "INTERNAL Error: Lowest moved batch"
        // (duckdb/duckdb#11494's collector; seen in DuckdbQueryEngineTest). SQL gives no order
        // without ORDER BY anyway, and ORDER BY still sorts.
        p.setProperty("preserve_insertion_order", "false");
        p.setProperty("memory_limit", (config.memoryLimit() / 1024) + "KiB");
        p.setProperty("temp_directory", state.resolve("spill").toAbsolutePath().toString());
        // Not the driver manager: it only hands out drivers the caller's class loader can see, and
        // in a plugin that is not the host's.
        DuckDBConnection c = (DuckDBConnection) new DuckDBDriver().connect("jdbc:duckdb:", p);
        try (Statement s = c.createStatement()) {
            s.execute("SET lock_configuration = true");
        } catch (SQLException e) {
            c.close();
            throw e;
        }
        LOG.info("query engine {}: DuckDB opened over {} ({} threads, memory limit {} MiB)", ctx.name(),
                config.path().toAbsolutePath(), config.threads(), config.memoryLimit() / (1024 * 1024));
        return c;
    }

    @Override
    public void close() throws Exception {
        synchronized (lock) {
            closed = true;
            if (timer != null) {
                timer.shutdownNow();
            }
            if (database != null) {
                database.close();
                database = null;
            }
        }
    }
}
