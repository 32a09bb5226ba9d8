package io.flowwatch.plugin.directory;

import com.typesafe.config.Config;
import io.flowwatch.api.PluginContext;
import io.flowwatch.api.source.Source;
import io.flowwatch.api.source.SourceFactory;
import org.pf4j.Extension;

/** Makes {@code type = directory} sources. Stateless: {@code create} only reads config. */
@Extension
public final class DirectorySourceFactory implements SourceFactory {

    public static final String TYPE = "directory";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Source create(Config config, PluginContext ctx) {
        return new DirectorySource(DirectorySourceConfig.read(config, "flowwatch.sources." + ctx.name()), ctx);
    }
}
