package io.flowwatch.plugin.athena;

import com.typesafe.config.Config;
import io.flowwatch.api.PluginContext;
import io.flowwatch.api.query.QueryEngine;
import io.flowwatch.api.query.QueryEngineFactory;
import org.pf4j.Extension;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.services.athena.AthenaClient;
import software.amazon.awssdk.services.athena.AthenaClientBuilder;

/** Makes {@code type = athena} query engines. Stateless: {@code create} only reads config; the client is built on first use. */
@Extension
public final class AthenaQueryEngineFactory implements QueryEngineFactory {

    public static final String TYPE = "athena";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public QueryEngine create(Config config, PluginContext ctx) {
        AthenaQueryEngineConfig c = AthenaQueryEngineConfig.read(config, "flowwatch.query-engines." + ctx.name());
        return new AthenaQueryEngine(c, ctx, () -> {
            AthenaClientBuilder builder = c.aws().configure(AthenaClient.builder(), ctx.metrics());
            // The engine retries throttled calls itself, with its poll backoff and within the query's timeout.
            builder.overrideConfiguration(builder.overrideConfiguration().toBuilder()
                    .retryStrategy(AwsRetryStrategy.doNotRetry()).build());
            return builder.build();
        });
    }
}
