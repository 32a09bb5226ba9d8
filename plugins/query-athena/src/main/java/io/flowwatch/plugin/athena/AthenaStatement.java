package io.flowwatch.plugin.athena;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A statement as sent to StartQueryExecution: the SQL text with every {@code ${name}} placeholder
 * turned into Athena's positional {@code ?}, and the execution parameters in the order the
 * placeholders occur.
 *
 * <p><b>Why values are rendered as literals.</b> Athena's ExecutionParameters are strings that the
 * engine reads as SQL literals: "for SQL execution parameters to be treated as strings, they must
 * be enclosed in single quotes" (Athena user guide, "Use parameterized queries", 2024). So a string
 * value is sent as {@code 'O''Brien'} (quote doubled, as in Trino string literals) and a number
 * unquoted. The value never becomes part of the SQL text; a value with quotes in it stays one
 * string literal.
 *
 * <p><b>The table.</b> Queries name the common table {@code flow_logs}. When the statement is a
 * query (it starts with SELECT, WITH, VALUES or a parenthesis) the SQL is prefixed with a common
 * table expression {@code flow_logs AS (SELECT * FROM "database"."table")} built only from the
 * configured, validated identifiers; user text is never rewritten. Trino (Athena) inlines such a
 * CTE, so predicates on partition columns still prune partitions. Other statements (SHOW, DESCRIBE,
 * DDL) are sent as written and must name the real table.
 *
 * @param sql        the text to send
 * @param parameters the ExecutionParameters, one per {@code ?}, each a SQL literal
 */
record AthenaStatement(String sql, List<String> parameters) {

    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS", Locale.ROOT).withZone(ZoneOffset.UTC);

    AthenaStatement {
        Objects.requireNonNull(sql, "sql");
        parameters = List.copyOf(parameters);
    }

    /**
     * Prepares {@code sql} for Athena.
     *
     * @param tableRef the quoted {@code "database"."table"} that {@code flow_logs} stands for
     * @throws IllegalArgumentException naming the problem: an unknown or malformed placeholder, a
     *                                  bare {@code ?}, a value of a type that has no SQL literal
     */
    static AthenaStatement prepare(String sql, Map<String, ?> values, String tableRef) {
        StringBuilder out = new StringBuilder(sql.length() + 64);
        List<String> params = new ArrayList<>();
        int n = sql.length();
        int i = 0;
        while (i < n) {
            char c = sql.charAt(i);
            if (c == '\'' || c == '"') {
                // A quoted string or identifier: copy as is ('' and "" escape the quote inside).
                int end = i + 1;
                while (end < n) {
                    if (sql.charAt(end) == c) {
                        if (end + 1 < n && sql.charAt(end + 1) == c) {
                            end += 2;
                            continue;
                        }
                        break;
                    }
                    end++;
                }
                if (end >= n) {
                    throw new IllegalArgumentException("unterminated " + (c == '\'' ? "string literal" : "quoted identifier")
                            + " starting at character " + (i + 1));
                }
                out.append(sql, i, end + 1);
                i = end + 1;
            } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                int end = sql.indexOf('\n', i);
                end = end < 0 ? n : end;
                out.append(sql, i, end);
                i = end;
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                int end = sql.indexOf("*/", i + 2);
                if (end < 0) {
                    throw new IllegalArgumentException("unterminated comment starting at character " + (i + 1));
                }
                out.append(sql, i, end + 2);
                i = end + 2;
            } else if (c == '$' && i + 1 < n && sql.charAt(i + 1) == '{') {
                int close = sql.indexOf('}', i + 2);
                String name = close < 0 ? "" : sql.substring(i + 2, close);
                if (close < 0 || !name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                    throw new IllegalArgumentException("malformed placeholder at character " + (i + 1)
                            + ": expected ${name} with a name of letters, digits and _");
                }
                if (!values.containsKey(name)) {
                    throw new IllegalArgumentException("no value for parameter ${" + name + "} (given: "
                            + String.join(", ", new java.util.TreeSet<>(values.keySet())) + ")");
                }
                params.add(literal(name, values.get(name)));
                out.append('?');
                i = close + 1;
            } else if (c == '?') {
                // A bare ? would take a positional value meant for a ${name} placeholder.
                throw new IllegalArgumentException("a bare ? at character " + (i + 1)
                        + ": write parameters as ${name} and pass their values");
            } else {
                out.append(c);
                i++;
            }
        }
        return new AthenaStatement(withFlowLogs(out.toString(), tableRef), params);
    }

    /** Renders a parameter value as the Athena SQL literal that ExecutionParameters expects. */
    static String literal(String name, Object v) {
        if (v == null) {
            return "NULL";
        }
        if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte || v instanceof BigInteger) {
            return v.toString();
        }
        if (v instanceof BigDecimal d) {
            return d.toPlainString();
        }
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new IllegalArgumentException("parameter ${" + name + "} is " + d + ", which has no SQL literal");
            }
            String s = Double.toString(d);
            // An exponent makes it a DOUBLE literal in Trino, not a DECIMAL.
            return s.contains("E") ? s : s + "E0";
        }
        if (v instanceof Boolean b) {
            return b ? "TRUE" : "FALSE";
        }
        if (v instanceof Instant t) {
            return "TIMESTAMP '" + TIMESTAMP.format(t) + "'";
        }
        if (v instanceof LocalDate d) {
            return "DATE '" + d + "'";
        }
        if (v instanceof CharSequence || v instanceof Character || v instanceof Enum<?>) {
            return "'" + v.toString().replace("'", "''") + "'";
        }
        throw new IllegalArgumentException("parameter ${" + name + "} is a " + v.getClass().getSimpleName()
                + "; expected a number, string, boolean, Instant or LocalDate");
    }

    /** Prefixes a query with the CTE naming the real table {@code flow_logs}; other statements pass unchanged. */
    static String withFlowLogs(String sql, String tableRef) {
        int start = firstToken(sql);
        if (start >= sql.length()) {
            throw new IllegalArgumentException("the statement is empty");
        }
        String cte = "flow_logs AS (SELECT * FROM " + tableRef + ")";
        if (sql.charAt(start) == '(') {
            return "WITH " + cte + "\n" + sql;
        }
        String word = word(sql, start);
        switch (word) {
            case "SELECT", "VALUES":
                return "WITH " + cte + "\n" + sql;
            case "WITH": {
                int next = firstToken(sql, start + 4);
                if (word(sql, next).equals("RECURSIVE")) {
                    return sql.substring(0, next + "RECURSIVE".length()) + " " + cte + "," + sql.substring(next + "RECURSIVE".length());
                }
                return sql.substring(0, start + 4) + " " + cte + "," + sql.substring(start + 4);
            }
            default:
                return sql;
        }
    }

    private static int firstToken(String sql) {
        return firstToken(sql, 0);
    }

    /** The index of the first character that is neither white space nor inside a comment, from {@code i}. */
    private static int firstToken(String sql, int i) {
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                int end = sql.indexOf('\n', i);
                i = end < 0 ? n : end + 1;
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                int end = sql.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
            } else {
                break;
            }
        }
        return i;
    }

    private static String word(String sql, int i) {
        int end = i;
        while (end < sql.length() && Character.isLetter(sql.charAt(end))) {
            end++;
        }
        return sql.substring(i, end).toUpperCase(Locale.ROOT);
    }
}
