package io.flowwatch.plugin.s3;

import com.typesafe.config.Config;
import io.flowwatch.api.PluginContext;
import io.flowwatch.api.source.Source;
import io.flowwatch.api.source.SourceFactory;
import org.pf4j.Extension;

/** Makes {@code type = s3} sources. Stateless: {@code create} only reads config. */
@Extension
public final class S3SourceFactory implements SourceFactory {

    public static final String TYPE = "s3";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Source create(Config config, PluginContext ctx) {
        return new S3Source(S3SourceConfig.read(config, "flowwatch.sources." + ctx.name()), ctx);
    }
}
