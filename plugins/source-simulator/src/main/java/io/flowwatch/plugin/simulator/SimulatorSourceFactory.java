package io.flowwatch.plugin.simulator;

import com.typesafe.config.Config;
import io.flowwatch.api.PluginContext;
import io.flowwatch.api.source.Source;
import io.flowwatch.api.source.SourceFactory;
import org.pf4j.Extension;

/** Makes {@code type = simulator} sources. Stateless: {@code create} only reads config. */
@Extension
public final class SimulatorSourceFactory implements SourceFactory {

    public static final String TYPE = "simulator";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Source create(Config config, PluginContext ctx) {
        return new SimulatorSource(SimulatorConfig.read(config, "flowwatch.sources." + ctx.name()), ctx);
    }
}
