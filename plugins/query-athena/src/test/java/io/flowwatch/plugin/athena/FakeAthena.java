package io.flowwatch.plugin.athena;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local Amazon Athena endpoint speaking the wire protocol aws-sdk-java-v2 2.40.2 uses for Athena:
 * AWS JSON 1.1 ({@code POST /}, {@code Content-Type: application/x-amz-json-1.1},
 * {@code X-Amz-Target: AmazonAthena.<Operation>}, SigV4 for service {@code athena}). Requests in
 * any other shape are answered with an error and recorded in {@link #protocolViolations()}.
 *
 * <p>It really runs the queries: SQL goes to an in-memory DuckDB (no extensions, no network) where
 * the test created the tables. Execution parameters are parsed the way Athena reads them, as one
 * SQL literal each (a number, a {@code '...'} string with {@code ''} for a quote, TRUE/FALSE,
 * NULL, TIMESTAMP/DATE '...'), and bound to the {@code ?}s; a parameter that is not exactly one
 * literal fails the query. So a value pasted or quoted wrongly by the client shows up as a failed
 * query or wrong rows, not as a silent pass.
 *
 * <p>A query is QUEUED on the first GetQueryExecution, RUNNING on the second (with half its bytes
 * scanned so far), and finished on the third: SUCCEEDED with its rows, or FAILED with the DuckDB
 * error as StateChangeReason. Results are paged by {@link #pageSize} with an opaque NextToken; the
 * first row of a SELECT's first page holds the column labels, as Athena does. Tests can make the
 * next query fail or never finish, override the bytes it reports, and queue throttling answers.
 */
final class FakeAthena implements AutoCloseable {

    static final String TARGET_PREFIX = "AmazonAthena.";
    static final String CONTENT_TYPE = "application/x-amz-json-1.1";
    private static final Pattern SIGV4 = Pattern.compile("AWS4-HMAC-SHA256 Credential=[^/]+/\\d{8}/([a-z0-9-]+)/athena/aws4_request, .*");

    /** What the next started query does. */
    enum Mode { NORMAL, FAIL, HANG }

    /** One StartQueryExecution as received. */
    record Started(String id, String query, String database, String workgroup, String outputLocation,
                   List<String> parameters, Integer reuseMaxAgeMinutes, String clientRequestToken) {
    }

    private static final class Execution {
        final Started start;
        final Mode mode;
        final String failReason;
        final Long bytesOverride;
        int polls;
        String state = "QUEUED";
        String reason;
        long bytes;
        boolean reused;
        List<String> labels = List.of();
        List<String> types = List.of();
        List<List<String>> rows = List.of();

        Execution(Started start, Mode mode, String failReason, Long bytesOverride) {
            this.start = start;
            this.mode = mode;
            this.failReason = failReason;
            this.bytesOverride = bytesOverride;
        }
    }

    private final HttpServer server;
    private final Connection db;
    private final Map<String, Execution> executions = new LinkedHashMap<>();
    private final Map<String, String> byToken = new HashMap<>();
    private final Deque<String> throttles = new ArrayDeque<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final List<String> operations = new CopyOnWriteArrayList<>();
    private final List<String> stopped = new CopyOnWriteArrayList<>();
    private Mode nextMode = Mode.NORMAL;
    private String nextFailReason;
    private Long nextBytes;
    /** Rows per GetQueryResults page (the header row counts on the first page), at most the request's MaxResults. */
    volatile int pageSize = 4;
    /** What a query reports scanned: this many bytes per row of the scanned table. */
    static final long BYTES_PER_ROW = 57;

    FakeAthena() throws IOException, SQLException {
        db = DriverManager.getConnection("jdbc:duckdb:");
        try (Statement s = db.createStatement()) {
            // The fake must never fetch anything: extensions stay off.
            s.execute("SET autoinstall_known_extensions = false");
            s.execute("SET autoload_known_extensions = false");
        }
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The DuckDB connection where the test creates its schemas and tables. */
    Connection db() {
        return db;
    }

    synchronized void failNext(String reason) {
        nextMode = Mode.FAIL;
        nextFailReason = reason;
    }

    synchronized void hangNext() {
        nextMode = Mode.HANG;
    }

    /** The next query reports this many bytes scanned (while running and when done). */
    synchronized void nextBytes(long bytes) {
        nextBytes = bytes;
    }

    /** The next {@code times} requests (any operation) are answered with this throttling error. */
    synchronized void throttle(String errorType, int times) {
        for (int i = 0; i < times; i++) {
            throttles.add(errorType);
        }
    }

    synchronized List<Started> started() {
        return executions.values().stream().map(e -> e.start).toList();
    }

    /** Bytes each finished or stopped query reported last, in start order. */
    synchronized List<Long> reportedBytes() {
        return executions.values().stream().map(e -> e.bytes).toList();
    }

    synchronized String state(String id) {
        return executions.get(id).state;
    }

    List<String> operations() {
        return List.copyOf(operations);
    }

    List<String> stopped() {
        return List.copyOf(stopped);
    }

    List<String> protocolViolations() {
        return List.copyOf(violations);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readAllBytes();
            }
            String target = ex.getRequestHeaders().getFirst("X-Amz-Target");
            String contentType = ex.getRequestHeaders().getFirst("Content-Type");
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (!"POST".equals(ex.getRequestMethod()) || !"/".equals(ex.getRequestURI().getPath())) {
                violation(ex, "expected POST /, got " + ex.getRequestMethod() + " " + ex.getRequestURI());
                return;
            }
            if (contentType == null || !contentType.startsWith(CONTENT_TYPE)) {
                violation(ex, "expected Content-Type " + CONTENT_TYPE + ", got " + contentType);
                return;
            }
            if (auth == null || !SIGV4.matcher(auth).matches()) {
                violation(ex, "expected a SigV4 Authorization for service athena, got " + auth);
                return;
            }
            if (target == null || !target.startsWith(TARGET_PREFIX)) {
                violation(ex, "expected X-Amz-Target " + TARGET_PREFIX + "<Operation>, got " + target);
                return;
            }
            String op = target.substring(TARGET_PREFIX.length());
            operations.add(op);
            Map<String, JsonNode> req;
            try {
                req = JsonNode.parser().parse(new String(body, StandardCharsets.UTF_8)).asObject();
            } catch (RuntimeException e) {
                send(ex, 400, error("SerializationException", "body is not a JSON object"));
                return;
            }
            String throttle;
            synchronized (this) {
                throttle = throttles.poll();
            }
            if (throttle != null) {
                String extra = throttle.equals("TooManyRequestsException") ? ",\"Reason\":\"CONCURRENT_QUERY_LIMIT\"" : "";
                send(ex, 400, "{\"__type\":\"" + throttle + "\",\"Message\":\"Rate exceeded\"" + extra + "}");
                return;
            }
            Answer a;
            synchronized (this) {
                a = switch (op) {
                    case "StartQueryExecution" -> start(req);
                    case "GetQueryExecution" -> getQueryExecution(req);
                    case "GetQueryResults" -> getQueryResults(req);
                    case "StopQueryExecution" -> stop(req);
                    default -> new Answer(400, error("UnknownOperationException", "unknown operation " + op));
                };
            }
            send(ex, a.status, a.body);
        }
    }

    private record Answer(int status, String body) {
    }

    private static Answer invalid(String message) {
        return new Answer(400, "{\"__type\":\"InvalidRequestException\",\"Message\":" + quote(message)
                + ",\"AthenaErrorCode\":\"INVALID_INPUT\"}");
    }

    private Answer start(Map<String, JsonNode> req) {
        String query = str(req.get("QueryString"));
        if (query == null || query.isEmpty()) {
            return invalid("QueryString is required");
        }
        String token = str(req.get("ClientRequestToken"));
        if (token != null && byToken.containsKey(token)) {
            // Idempotent start, as documented for ClientRequestToken.
            return new Answer(200, "{\"QueryExecutionId\":" + quote(byToken.get(token)) + "}");
        }
        JsonNode ctx = req.get("QueryExecutionContext");
        String database = ctx == null ? null : str(ctx.asObject().get("Database"));
        JsonNode rc = req.get("ResultConfiguration");
        String output = rc == null ? null : str(rc.asObject().get("OutputLocation"));
        List<String> params = new ArrayList<>();
        JsonNode ep = req.get("ExecutionParameters");
        if (ep != null && !ep.isNull()) {
            for (JsonNode p : ep.asArray()) {
                params.add(p.asString());
            }
        }
        Integer reuse = null;
        JsonNode rr = req.get("ResultReuseConfiguration");
        if (rr != null) {
            Map<String, JsonNode> byAge = rr.asObject().get("ResultReuseByAgeConfiguration").asObject();
            if (byAge.get("Enabled").asBoolean()) {
                reuse = byAge.containsKey("MaxAgeInMinutes") ? Integer.parseInt(byAge.get("MaxAgeInMinutes").asNumber()) : 60;
            }
        }
        String id = UUID.randomUUID().toString();
        Started s = new Started(id, query, database, str(req.get("WorkGroup")), output, List.copyOf(params), reuse, token);
        executions.put(id, new Execution(s, nextMode, nextFailReason, nextBytes));
        if (token != null) {
            byToken.put(token, id);
        }
        nextMode = Mode.NORMAL;
        nextFailReason = null;
        nextBytes = null;
        return new Answer(200, "{\"QueryExecutionId\":" + quote(id) + "}");
    }

    private Execution execution(Map<String, JsonNode> req) {
        return executions.get(str(req.get("QueryExecutionId")));
    }

    private Answer getQueryExecution(Map<String, JsonNode> req) {
        Execution e = execution(req);
        if (e == null) {
            return invalid("QueryExecution " + str(req.get("QueryExecutionId")) + " was not found");
        }
        if (!isFinal(e.state)) {
            e.polls++;
            if (e.polls == 1) {
                e.state = "QUEUED";
            } else if (e.polls == 2 || e.mode == Mode.HANG) {
                e.state = "RUNNING";
                e.bytes = e.bytesOverride != null ? e.bytesOverride : scanned(e) / 2;
            } else if (e.mode == Mode.FAIL) {
                e.state = "FAILED";
                e.reason = e.failReason;
                e.bytes = e.bytesOverride != null ? e.bytesOverride : scanned(e);
            } else {
                run(e);
            }
        }
        return new Answer(200, "{\"QueryExecution\":" + describe(e) + "}");
    }

    private static boolean isFinal(String state) {
        return state.equals("SUCCEEDED") || state.equals("FAILED") || state.equals("CANCELLED");
    }

    private long scanned(Execution e) {
        // Bytes "scanned": the rows of every table the query names, at a fixed size per row.
        long rows = 0;
        try (Statement s = db.createStatement();
             ResultSet rs = s.executeQuery("SELECT schema_name, table_name, estimated_size FROM duckdb_tables()")) {
            while (rs.next()) {
                if (e.start.query.contains("\"" + rs.getString(1) + "\".\"" + rs.getString(2) + "\"")) {
                    rows += rs.getLong(3);
                }
            }
        } catch (SQLException ex) {
            throw new IllegalStateException(ex);
        }
        return rows * BYTES_PER_ROW;
    }

    private void run(Execution e) {
        Started s = e.start;
        // Result reuse: an identical earlier query that succeeded recently answers without scanning.
        if (s.reuseMaxAgeMinutes != null) {
            for (Execution prior : executions.values()) {
                if (prior != e && prior.state.equals("SUCCEEDED") && prior.start.query.equals(s.query)
                        && prior.start.parameters.equals(s.parameters)) {
                    e.labels = prior.labels;
                    e.types = prior.types;
                    e.rows = prior.rows;
                    e.bytes = 0;
                    e.reused = true;
                    e.state = "SUCCEEDED";
                    return;
                }
            }
        }
        e.bytes = e.bytesOverride != null ? e.bytesOverride : scanned(e);
        try {
            if (s.database != null && !schemaExists(s.database)) {
                throw new SQLException("SCHEMA_NOT_FOUND: Schema '" + s.database + "' does not exist");
            }
            try (PreparedStatement ps = db.prepareStatement(s.query)) {
                int expected = ps.getParameterMetaData().getParameterCount();
                if (expected != s.parameters.size()) {
                    throw new SQLException("INVALID_PARAMETER_USAGE: the query has " + expected + " parameters but "
                            + s.parameters.size() + " values were given");
                }
                for (int i = 0; i < s.parameters.size(); i++) {
                    ps.setObject(i + 1, parseLiteral(s.parameters.get(i)));
                }
                try (ResultSet rs = ps.executeQuery()) {
                    ResultSetMetaData md = rs.getMetaData();
                    List<String> labels = new ArrayList<>();
                    List<String> types = new ArrayList<>();
                    for (int c = 1; c <= md.getColumnCount(); c++) {
                        labels.add(md.getColumnLabel(c));
                        types.add(athenaType(md.getColumnTypeName(c)));
                    }
                    List<List<String>> rows = new ArrayList<>();
                    while (rs.next()) {
                        List<String> row = new ArrayList<>();
                        for (int c = 1; c <= labels.size(); c++) {
                            String v = rs.getString(c);
                            row.add(v == null ? null : types.get(c - 1).equals("timestamp") ? athenaTimestamp(v) : v);
                        }
                        rows.add(row);
                    }
                    e.labels = labels;
                    e.types = types;
                    e.rows = rows;
                }
            }
            e.state = "SUCCEEDED";
        } catch (SQLException | IllegalArgumentException ex) {
            e.state = "FAILED";
            e.reason = ex.getMessage();
        }
    }

    private boolean schemaExists(String schema) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("SELECT count(*) FROM duckdb_schemas() WHERE schema_name = ?")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) > 0;
            }
        }
    }

    private static final Pattern INTEGER = Pattern.compile("-?\\d+");
    private static final Pattern DECIMAL = Pattern.compile("-?\\d+\\.\\d*");
    private static final Pattern DOUBLE = Pattern.compile("-?\\d+(\\.\\d*)?[eE][+-]?\\d+");
    private static final Pattern TYPED = Pattern.compile("(?i)(TIMESTAMP|DATE)\\s+'([^']*)'");
    private static final DateTimeFormatter TS = new DateTimeFormatterBuilder().appendPattern("yyyy-MM-dd HH:mm:ss")
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd().toFormatter(Locale.ROOT);

    /** Reads one execution parameter as Athena does: exactly one SQL literal, or the query fails. */
    static Object parseLiteral(String p) {
        String t = p.trim();
        if (INTEGER.matcher(t).matches()) {
            return Long.parseLong(t);
        }
        if (DOUBLE.matcher(t).matches()) {
            return Double.parseDouble(t);
        }
        if (DECIMAL.matcher(t).matches()) {
            return new BigDecimal(t);
        }
        if (t.equalsIgnoreCase("TRUE") || t.equalsIgnoreCase("FALSE")) {
            return Boolean.parseBoolean(t);
        }
        if (t.equalsIgnoreCase("NULL")) {
            return null;
        }
        Matcher typed = TYPED.matcher(t);
        if (typed.matches()) {
            return typed.group(1).equalsIgnoreCase("DATE") ? LocalDate.parse(typed.group(2))
                    : java.sql.Timestamp.valueOf(LocalDateTime.parse(typed.group(2), TS));
        }
        if (t.length() >= 2 && t.startsWith("'") && t.endsWith("'")) {
            String inner = t.substring(1, t.length() - 1);
            // Inside, every quote must be doubled; a lone one would end the literal early.
            if (inner.replace("''", "").indexOf('\'') < 0) {
                return inner.replace("''", "'");
            }
        }
        throw new IllegalArgumentException("INVALID_PARAMETER_USAGE: execution parameter is not a single literal: " + p);
    }

    private static String athenaType(String duck) {
        String t = duck.toUpperCase(Locale.ROOT);
        if (t.startsWith("DECIMAL")) {
            return "decimal";
        }
        return switch (t) {
            case "BIGINT", "HUGEINT", "UBIGINT", "UINTEGER" -> "bigint";
            case "INTEGER", "USMALLINT" -> "integer";
            case "SMALLINT", "UTINYINT" -> "smallint";
            case "TINYINT" -> "tinyint";
            case "DOUBLE" -> "double";
            case "FLOAT" -> "real";
            case "BOOLEAN" -> "boolean";
            case "TIMESTAMP" -> "timestamp";
            case "DATE" -> "date";
            default -> "varchar";
        };
    }

    private static String athenaTimestamp(String duck) {
        // Athena prints timestamps with milliseconds: 2024-05-01 12:00:00.000
        return LocalDateTime.parse(duck, TS).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS", Locale.ROOT));
    }

    private Answer getQueryResults(Map<String, JsonNode> req) {
        Execution e = execution(req);
        if (e == null) {
            return invalid("QueryExecution " + str(req.get("QueryExecutionId")) + " was not found");
        }
        if (!e.state.equals("SUCCEEDED")) {
            return invalid("Query has not yet finished. Current state: " + e.state);
        }
        int max = req.containsKey("MaxResults") ? Integer.parseInt(req.get("MaxResults").asNumber()) : 1000;
        if (max < 1 || max > 1000) {
            return invalid("MaxResults must be from 1 to 1000");
        }
        int size = Math.min(max, pageSize);
        String token = str(req.get("NextToken"));
        int offset = 0;
        if (token != null) {
            if (!token.startsWith(e.start.id + ":")) {
                return invalid("NextToken is not valid for this query");
            }
            offset = Integer.parseInt(token.substring(e.start.id.length() + 1));
        }
        StringBuilder rows = new StringBuilder();
        int taken = 0;
        if (offset == 0) {
            rows.append(row(e.labels));
            taken++;
        }
        int end = Math.min(e.rows.size(), offset + size - taken);
        for (int i = offset; i < end; i++) {
            if (rows.length() > 0) {
                rows.append(',');
            }
            rows.append(row(e.rows.get(i)));
        }
        StringBuilder cols = new StringBuilder();
        for (int c = 0; c < e.labels.size(); c++) {
            if (c > 0) {
                cols.append(',');
            }
            cols.append("{\"CatalogName\":\"hive\",\"SchemaName\":\"\",\"TableName\":\"\",\"Name\":").append(quote(e.labels.get(c)))
                    .append(",\"Label\":").append(quote(e.labels.get(c))).append(",\"Type\":").append(quote(e.types.get(c)))
                    .append(",\"Precision\":0,\"Scale\":0,\"Nullable\":\"UNKNOWN\",\"CaseSensitive\":false}");
        }
        String next = end < e.rows.size() ? ",\"NextToken\":" + quote(e.start.id + ":" + end) : "";
        return new Answer(200, "{\"UpdateCount\":0,\"ResultSet\":{\"Rows\":[" + rows + "],\"ResultSetMetadata\":{\"ColumnInfo\":["
                + cols + "]}}" + next + "}");
    }

    private static String row(List<String> values) {
        StringBuilder b = new StringBuilder("{\"Data\":[");
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            // SQL NULL: a Datum without VarCharValue.
            b.append(values.get(i) == null ? "{}" : "{\"VarCharValue\":" + quote(values.get(i)) + "}");
        }
        return b.append("]}").toString();
    }

    private Answer stop(Map<String, JsonNode> req) {
        Execution e = execution(req);
        if (e == null) {
            return invalid("QueryExecution " + str(req.get("QueryExecutionId")) + " was not found");
        }
        stopped.add(e.start.id);
        if (!isFinal(e.state)) {
            e.state = "CANCELLED";
            e.reason = "Query cancelled by user";
        }
        return new Answer(200, "{}");
    }

    private String describe(Execution e) {
        StringBuilder b = new StringBuilder("{\"QueryExecutionId\":").append(quote(e.start.id))
                .append(",\"Query\":").append(quote(e.start.query))
                .append(",\"StatementType\":\"DML\"")
                .append(",\"WorkGroup\":").append(quote(e.start.workgroup == null ? "primary" : e.start.workgroup));
        if (e.start.outputLocation != null) {
            b.append(",\"ResultConfiguration\":{\"OutputLocation\":").append(quote(e.start.outputLocation + e.start.id + ".csv")).append('}');
        }
        b.append(",\"Status\":{\"State\":").append(quote(e.state)).append(",\"SubmissionDateTime\":1.7E9");
        if (e.reason != null) {
            b.append(",\"StateChangeReason\":").append(quote(e.reason));
        }
        if (e.state.equals("FAILED")) {
            b.append(",\"AthenaError\":{\"ErrorCategory\":2,\"ErrorType\":1006,\"Retryable\":false,\"ErrorMessage\":")
                    .append(quote(e.reason)).append('}');
        }
        b.append("},\"Statistics\":{\"EngineExecutionTimeInMillis\":").append(e.polls * 100L)
                .append(",\"DataScannedInBytes\":").append(e.bytes)
                .append(",\"TotalExecutionTimeInMillis\":").append(e.polls * 120L)
                .append(",\"QueryQueueTimeInMillis\":20")
                .append(",\"ResultReuseInformation\":{\"ReusedPreviousResult\":").append(e.reused).append("}}");
        return b.append('}').toString();
    }

    private void violation(HttpExchange ex, String what) throws IOException {
        violations.add(what);
        send(ex, 400, error("UnknownOperationException", what));
    }

    private static String error(String type, String message) {
        return "{\"__type\":" + quote(type) + ",\"Message\":" + quote(message) + "}";
    }

    private static void send(HttpExchange ex, int status, String json) throws IOException {
        byte[] out = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
        ex.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        ex.sendResponseHeaders(status, out.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(out);
        }
    }

    private static String str(JsonNode n) {
        return n == null || n.isNull() ? null : n.asString();
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    @Override
    public void close() throws SQLException {
        server.stop(0);
        db.close();
    }
}
