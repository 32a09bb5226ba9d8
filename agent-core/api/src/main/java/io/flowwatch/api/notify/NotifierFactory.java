package io.flowwatch.api.notify;

import com.typesafe.config.Config;
import io.flowwatch.api.PluginContext;
import org.pf4j.ExtensionPoint;

import java.util.Set;

/**
 * Makes {@link Notifier}s of one {@link #type()} (the {@code type} key of a block under
 * {@code flowwatch.notifiers}).
 *
 * <p><b>Contract.</b> Stateless, looked up once; {@link #create} only parses and checks config
 * (no connections), may be called from any thread, and throws all problems of the block at once.
 */
public interface NotifierFactory extends ExtensionPoint {

    String type();

    /** Keys of the block holding secrets (webhook URLs, passwords); masked everywhere. */
    default Set<String> secretKeys() {
        return Set.of();
    }

    Notifier create(Config config, PluginContext ctx);
}
