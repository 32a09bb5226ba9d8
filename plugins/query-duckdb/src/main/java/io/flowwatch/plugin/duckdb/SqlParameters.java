package io.flowwatch.plugin.duckdb;

import io.flowwatch.api.FlowwatchException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns {@code ${name}} placeholders into JDBC {@code ?} markers, in order, so values are bound and
 * never pasted into SQL text. Placeholders inside string literals, quoted identifiers and comments
 * are left alone: {@code '${x}'} is the five characters it says.
 *
 * @param sql   the statement with {@code ?} markers
 * @param names the parameter name of each marker, in order (a name may repeat)
 */
record SqlParameters(String sql, List<String> names) {

    SqlParameters {
        names = List.copyOf(names);
    }

    static SqlParameters translate(String sql) {
        StringBuilder out = new StringBuilder(sql.length());
        List<String> names = new ArrayList<>();
        int n = sql.length();
        int i = 0;
        while (i < n) {
            char c = sql.charAt(i);
            if (c == '\'' || c == '"') {
                int end = endOfQuoted(sql, i, c);
                out.append(sql, i, end);
                i = end;
            } else if (c == '-' && i + 1 < n && sql.charAt(i + 1) == '-') {
                int end = sql.indexOf('\n', i);
                end = end < 0 ? n : end;
                out.append(sql, i, end);
                i = end;
            } else if (c == '/' && i + 1 < n && sql.charAt(i + 1) == '*') {
                int end = sql.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
                out.append(sql, i, end);
                i = end;
            } else if (c == '$' && i + 1 < n && sql.charAt(i + 1) == '{') {
                int close = sql.indexOf('}', i + 2);
                String name = close < 0 ? "" : sql.substring(i + 2, close);
                if (!isName(name)) {
                    throw new FlowwatchException("SQL at position " + (i + 1)
                            + ": expected a parameter such as ${window_start} (letters, digits, _)");
                }
                names.add(name);
                out.append('?');
                i = close + 1;
            } else {
                out.append(c);
                i++;
            }
        }
        return new SqlParameters(out.toString(), names);
    }

    /** The bound values in marker order; throws naming every parameter the caller did not give. */
    List<Object> values(Map<String, Object> parameters) {
        List<String> missing = new ArrayList<>();
        List<Object> values = new ArrayList<>(names.size());
        for (String name : names) {
            if (!parameters.containsKey(name)) {
                if (!missing.contains(name)) {
                    missing.add(name);
                }
            } else {
                values.add(parameters.get(name));
            }
        }
        if (!missing.isEmpty()) {
            throw new FlowwatchException("the SQL uses parameter" + (missing.size() == 1 ? " " : "s ")
                    + String.join(", ", missing.stream().map(m -> "${" + m + "}").toList())
                    + " but no value was given (given: "
                    + (parameters.isEmpty() ? "none" : String.join(", ", new java.util.TreeSet<>(parameters.keySet()))) + ")");
        }
        return values;
    }

    /** Index just past a quoted run starting at {@code start}; a doubled quote is an escaped one. */
    private static int endOfQuoted(String sql, int start, char quote) {
        int i = start + 1;
        while (i < sql.length()) {
            if (sql.charAt(i) == quote) {
                if (i + 1 < sql.length() && sql.charAt(i + 1) == quote) {
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            i++;
        }
        return sql.length();
    }

    private static boolean isName(String s) {
        if (s.isEmpty() || !(Character.isLetter(s.charAt(0)) || s.charAt(0) == '_')) {
            return false;
        }
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(Character.isLetterOrDigit(c) || c == '_')) {
                return false;
            }
        }
        return true;
    }
}
