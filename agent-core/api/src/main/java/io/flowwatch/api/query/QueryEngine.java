package io.flowwatch.api.query;

import java.util.List;
import java.util.Map;

/**
 * Runs SQL over flow logs at rest. The table {@code flow_logs} has one column per AWS field
 * (hyphens become underscores) plus partition columns where the storage layout gives them.
 *
 * <p><b>Threads.</b> {@link #execute} may be called from several threads (scheduled query rules,
 * the CLI); an engine serialises internally where its backend needs it.
 *
 * <p><b>Parameters.</b> Named parameters such as {@code ${window_start}} are bound by the engine
 * as values, never pasted into the SQL text.
 */
public interface QueryEngine extends AutoCloseable {

    /** Receives result rows as they stream in. Return false to stop early. */
    interface RowSink {
        void columns(List<String> names);

        boolean row(List<Object> values);
    }

    /**
     * @param sql      the statement, with {@code ${name}} placeholders for {@code parameters}
     * @param rowLimit stop after this many rows
     */
    void execute(String sql, Map<String, Object> parameters, long rowLimit, RowSink sink) throws Exception;

    /**
     * Checks a statement without running it (syntax, tables, columns, parameter names), so a
     * scheduled query rule with a bad query is refused at validation rather than failing every
     * hour. Engines that cannot check cheaply (a remote engine that bills per query) keep this
     * default, which accepts everything.
     *
     * @param parameters the names the statement may use as {@code ${name}}
     * @throws Exception with the engine's own message when the statement is not valid
     */
    default void validate(String sql, java.util.Set<String> parameters) throws Exception {
    }

    @Override
    default void close() throws Exception {
    }
}
