package io.flowwatch.api.query;

import com.typesafe.config.Config;
import io.flowwatch.api.PluginContext;
import org.pf4j.ExtensionPoint;

import java.util.Set;

/**
 * Makes {@link QueryEngine}s of one {@link #type()} (under {@code flowwatch.query-engines}).
 *
 * <p><b>Contract.</b> Stateless, looked up once; {@link #create} only parses and checks config
 * (no connections), may be called from any thread, and throws all problems at once.
 */
public interface QueryEngineFactory extends ExtensionPoint {

    String type();

    default Set<String> secretKeys() {
        return Set.of();
    }

    QueryEngine create(Config config, PluginContext ctx);
}
