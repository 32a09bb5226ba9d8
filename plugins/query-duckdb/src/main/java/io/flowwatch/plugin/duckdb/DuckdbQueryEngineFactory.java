package io.flowwatch.plugin.duckdb;

import com.typesafe.config.Config;
import io.flowwatch.api.PluginContext;
import io.flowwatch.api.query.QueryEngine;
import io.flowwatch.api.query.QueryEngineFactory;
import org.pf4j.Extension;

/** Makes {@code type = duckdb} query engines. Stateless: {@code create} only reads config, it opens nothing. */
@Extension
public final class DuckdbQueryEngineFactory implements QueryEngineFactory {

    public static final String TYPE = "duckdb";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public QueryEngine create(Config config, PluginContext ctx) {
        return new DuckdbQueryEngine(DuckdbQueryEngineConfig.read(config, "flowwatch.query-engines." + ctx.name()), ctx);
    }
}
