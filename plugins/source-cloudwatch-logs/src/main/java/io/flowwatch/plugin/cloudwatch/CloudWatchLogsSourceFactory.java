package io.flowwatch.plugin.cloudwatch;

import com.typesafe.config.Config;
import io.flowwatch.api.PluginContext;
import io.flowwatch.api.source.Source;
import io.flowwatch.api.source.SourceFactory;
import org.pf4j.Extension;

/** Makes {@code type = cloudwatch-logs} sources. Stateless: {@code create} only reads config. */
@Extension
public final class CloudWatchLogsSourceFactory implements SourceFactory {

    public static final String TYPE = "cloudwatch-logs";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Source create(Config config, PluginContext ctx) {
        return new CloudWatchLogsSource(CloudWatchLogsSourceConfig.read(config, "flowwatch.sources." + ctx.name()), ctx);
    }
}
