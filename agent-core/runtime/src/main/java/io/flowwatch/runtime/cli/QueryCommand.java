package io.flowwatch.runtime.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import io.flowwatch.api.FlowwatchException;
import io.flowwatch.api.query.QueryEngine;
import io.flowwatch.runtime.AgentAssembler;
import io.flowwatch.runtime.config.AgentConfig;
import io.flowwatch.runtime.config.ConfigLoader;
import io.flowwatch.runtime.logging.SecretMasker;
import io.flowwatch.runtime.plugin.PluginRuntime;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;

/**
 * {@code flowwatch query}: runs one SQL statement on a configured query engine and prints the rows
 * for people (an aligned table) or machines (JSON lines, CSV).
 */
@Command(name = "query", mixinStandardHelpOptions = true,
        description = {"Runs SQL on a configured query engine. The table flow_logs has the AWS fields"
                + " (hyphens become underscores) and the partition columns region, year, month, day, hour.",
                "Exit 0 when the query ran, 1 when it failed, 2 for a usage or config problem."})
final class QueryCommand implements Callable<Integer> {

    /** How rows are printed. */
    enum Output { table, json, csv }

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "agent.conf with flowwatch.query-engines")
    Path config;

    @Option(names = "--engine", paramLabel = "NAME",
            description = "the engine's name under flowwatch.query-engines (default: the only one, else the one named default)")
    String engine;

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "table",
            description = "table (aligned, for people), json (one object per line) or csv (RFC 4180); default ${DEFAULT-VALUE}")
    Output output;

    @Option(names = "--limit", paramLabel = "N", description = "print at most N rows (the engine's row-limit caps it)")
    Long limit;

    @Option(names = {"-p", "--param"}, paramLabel = "NAME=VALUE",
            description = "a value for ${NAME} in the SQL, bound as a value (an integer is bound as a number)")
    Map<String, String> params = new LinkedHashMap<>();

    @Parameters(paramLabel = "SQL", description = "the statement, e.g. \"SELECT srcaddr, count(*) FROM flow_logs GROUP BY 1\"")
    String sql;

    @Override
    public Integer call() {
        if (limit != null && limit < 1) {
            System.err.println("flowwatch: --limit must be at least 1, got " + limit);
            return FlowwatchCommand.USAGE;
        }
        ConfigLoader.Loaded loaded = new ConfigLoader().load(config);
        if (loaded.config() == null || !loaded.ok()) {
            Problems.print(System.err, loaded.problems());
            return FlowwatchCommand.USAGE;
        }
        AgentConfig agent = loaded.config();
        String name = chooseEngine(agent);
        if (name == null) {
            return FlowwatchCommand.USAGE;
        }
        try (PluginRuntime plugins = PluginRuntime.load(agent.pluginsDir())) {
            AgentAssembler.Assembled graph;
            try {
                graph = new AgentAssembler(plugins.catalog(), Clock.systemUTC(), null).assemble(agent);
            } catch (FlowwatchException e) {
                AgentLauncher.printProblems(System.err, e);
                return FlowwatchCommand.USAGE;
            }
            try {
                return run(graph.queryEngines().get(name));
            } finally {
                for (QueryEngine q : graph.queryEngines().values()) {
                    closeQuietly(q);
                }
            }
        } catch (IOException e) {
            System.err.println("flowwatch: cannot load plugins from " + agent.pluginsDir() + ": " + e.getMessage());
            return FlowwatchCommand.USAGE;
        }
    }

    /** The engine to use, or null after printing why there is none. */
    private String chooseEngine(AgentConfig agent) {
        TreeSet<String> names = new TreeSet<>(agent.queryEngines().keySet());
        if (engine != null) {
            if (names.contains(engine)) {
                return engine;
            }
            System.err.println("flowwatch: no query engine '" + engine + "' in " + config + "; configured: "
                    + (names.isEmpty() ? "none" : String.join(", ", names)));
            return null;
        }
        if (names.size() == 1) {
            return names.first();
        }
        if (names.contains("default")) {
            return "default";
        }
        System.err.println(names.isEmpty()
                ? "flowwatch: no query engines in " + config + " (add one under flowwatch.query-engines, e.g. default { type = duckdb, path = \"data/flowlogs\" })"
                : "flowwatch: " + config + " has several query engines and none is named default; choose one with --engine: "
                + String.join(", ", names));
        return null;
    }

    private int run(QueryEngine q) {
        Map<String, Object> values = new LinkedHashMap<>();
        params.forEach((k, v) -> values.put(k, v.matches("-?\\d{1,18}") ? (Object) Long.parseLong(v) : v));
        PrintStream out = System.out;
        Printer printer = switch (output) {
            case table -> new TablePrinter(out);
            case json -> new JsonPrinter(out);
            case csv -> new CsvPrinter(out);
        };
        long max = limit == null ? Long.MAX_VALUE : limit;
        try {
            q.execute(sql, values, max, printer);
        } catch (Exception e) {
            printer.finish(false);
            System.err.println("flowwatch: " + SecretMasker.mask(String.valueOf(e.getMessage())));
            return FlowwatchCommand.FAILED;
        }
        printer.finish(true);
        if (limit != null && printer.rows() >= limit) {
            System.err.println("flowwatch: stopped at --limit " + limit + "; there may be more rows");
        }
        return FlowwatchCommand.OK;
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // the command's outcome is already decided
        }
    }

    /** Receives rows and prints them in one output format. */
    private abstract static class Printer implements QueryEngine.RowSink {
        protected List<String> columns = List.of();
        protected long rows;

        @Override
        public void columns(List<String> names) {
            columns = List.copyOf(names);
        }

        long rows() {
            return rows;
        }

        /** @param ok false when the query failed: print what is buffered no further */
        void finish(boolean ok) {
        }
    }

    /** Aligned columns under a header, numbers to the right, then a row count; buffers the (limited) result. */
    static final class TablePrinter extends Printer {
        private final PrintStream out;
        private final List<String[]> cells = new ArrayList<>();
        private boolean[] numeric;

        TablePrinter(PrintStream out) {
            this.out = out;
        }

        @Override
        public void columns(List<String> names) {
            super.columns(names);
            numeric = new boolean[names.size()];
            java.util.Arrays.fill(numeric, true);
        }

        @Override
        public boolean row(List<Object> values) {
            String[] r = new String[values.size()];
            for (int i = 0; i < r.length; i++) {
                Object v = values.get(i);
                r[i] = v == null ? "NULL" : v.toString().replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t");
                if (v != null && !(v instanceof Number)) {
                    numeric[i] = false;
                }
            }
            cells.add(r);
            rows++;
            return true;
        }

        @Override
        void finish(boolean ok) {
            if (!ok) {
                return;
            }
            int n = columns.size();
            int[] width = new int[n];
            for (int i = 0; i < n; i++) {
                width[i] = columns.get(i).length();
            }
            for (String[] r : cells) {
                for (int i = 0; i < n; i++) {
                    width[i] = Math.max(width[i], r[i].length());
                }
            }
            StringBuilder sb = new StringBuilder();
            if (n > 0) {
                line(sb, columns.toArray(new String[0]), width, false);
                for (int i = 0; i < n; i++) {
                    sb.append(i == 0 ? "" : "  ").append("-".repeat(width[i]));
                }
                sb.append('\n');
                for (String[] r : cells) {
                    line(sb, r, width, true);
                }
            }
            sb.append('(').append(rows).append(rows == 1 ? " row)" : " rows)").append('\n');
            out.print(sb);
            out.flush();
        }

        private void line(StringBuilder sb, String[] r, int[] width, boolean alignNumbers) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                if (i > 0) {
                    line.append("  ");
                }
                String pad = " ".repeat(width[i] - r[i].length());
                line.append(alignNumbers && numeric[i] ? pad + r[i] : r[i] + pad);
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
    }

    /** One JSON object per row, keys in column order; numbers as numbers, null as null. */
    static final class JsonPrinter extends Printer {
        private final JsonGenerator gen;

        JsonPrinter(PrintStream out) {
            try {
                Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
                gen = new JsonFactory().createGenerator(w).disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
                gen.setPrettyPrinter(new MinimalPrettyPrinter(""));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public boolean row(List<Object> values) {
            try {
                gen.writeStartObject();
                for (int i = 0; i < values.size(); i++) {
                    gen.writeFieldName(columns.get(i));
                    write(values.get(i));
                }
                gen.writeEndObject();
                gen.writeRaw('\n');
                gen.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            rows++;
            return true;
        }

        private void write(Object v) throws IOException {
            if (v == null) {
                gen.writeNull();
            } else if (v instanceof Integer i) {
                gen.writeNumber(i);
            } else if (v instanceof Long l) {
                gen.writeNumber(l);
            } else if (v instanceof BigInteger b) {
                gen.writeNumber(b);
            } else if (v instanceof BigDecimal d) {
                gen.writeNumber(d);
            } else if (v instanceof Double d && Double.isFinite(d)) {
                gen.writeNumber(d);
            } else if (v instanceof Float f && Float.isFinite(f)) {
                gen.writeNumber(f);
            } else if (v instanceof Short || v instanceof Byte) {
                gen.writeNumber(((Number) v).intValue());
            } else if (v instanceof Boolean b) {
                gen.writeBoolean(b);
            } else {
                gen.writeString(v.toString()); // text, timestamps (ISO-8601), NaN and infinities
            }
        }

        @Override
        void finish(boolean ok) {
            try {
                gen.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** RFC 4180: a header row, CRLF line ends, fields with a comma, quote or line break quoted, quotes doubled; null is empty. */
    static final class CsvPrinter extends Printer {
        private final PrintStream out;

        CsvPrinter(PrintStream out) {
            this.out = out;
        }

        @Override
        public void columns(List<String> names) {
            super.columns(names);
            out.print(record(new ArrayList<>(names)));
        }

        @Override
        public boolean row(List<Object> values) {
            out.print(record(values));
            rows++;
            return true;
        }

        private static String record(List<?> values) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < values.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                Object v = values.get(i);
                String s = v == null ? "" : v.toString();
                if (s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0) {
                    sb.append('"').append(s.replace("\"", "\"\"")).append('"');
                } else {
                    sb.append(s);
                }
            }
            return sb.append("\r\n").toString();
        }

        @Override
        void finish(boolean ok) {
            out.flush();
        }
    }
}
