package io.flowwatch.plugin.slack;

import com.typesafe.config.Config;
import io.flowwatch.api.PluginContext;
import io.flowwatch.api.notify.Notifier;
import io.flowwatch.api.notify.NotifierFactory;
import org.pf4j.Extension;

import java.util.Set;

/** Makes {@code type = slack} notifiers. Stateless: {@code create} only reads and checks config. */
@Extension
public final class SlackNotifierFactory implements NotifierFactory {

    public static final String TYPE = "slack";

    @Override
    public String type() {
        return TYPE;
    }

    /** The incoming-webhook URL is the credential: whoever has it can post to the channel. */
    @Override
    public Set<String> secretKeys() {
        return Set.of("webhook-url");
    }

    @Override
    public Notifier create(Config config, PluginContext ctx) {
        return new SlackNotifier(SlackNotifierConfig.read(config, "flowwatch.notifiers." + ctx.name()), ctx);
    }
}
