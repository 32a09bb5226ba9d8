package io.flowwatch.api.source;

import com.typesafe.config.Config;
import io.flowwatch.api.PluginContext;
import org.pf4j.ExtensionPoint;

import java.util.Set;

/**
 * Makes {@link Source}s of one {@link #type()} (the {@code type} key of a block under
 * {@code flowwatch.sources}).
 *
 * <p><b>Contract.</b> Factories are stateless: the runtime looks each one up once and may call
 * {@link #create} many times, from any thread (e.g. to validate a new config during a reload
 * while the old instances run). {@code create} only reads and checks config; it must not start
 * threads or do I/O, so validation is cheap and side-effect free. Config problems are thrown
 * together as one {@link io.flowwatch.api.FlowwatchException} (see
 * {@link io.flowwatch.api.config.ConfigReader}).
 */
public interface SourceFactory extends ExtensionPoint {

    /** The name used as {@code type = ...} in config, e.g. {@code directory}. */
    String type();

    /**
     * Config keys (relative to the source block) whose values are secrets. The runtime masks them
     * in every output and log line.
     */
    default Set<String> secretKeys() {
        return Set.of();
    }

    /**
     * @param config the source's block, with this plugin's {@code reference.conf} defaults for
     *               the type applied (from {@code flowwatch.defaults.sources.<type>} in the plugin's {@code reference.conf})
     * @param ctx    name, clock, metrics and state for this instance
     */
    Source create(Config config, PluginContext ctx);
}
