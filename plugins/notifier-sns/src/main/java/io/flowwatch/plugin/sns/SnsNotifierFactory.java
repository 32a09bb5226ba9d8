package io.flowwatch.plugin.sns;

import com.typesafe.config.Config;
import io.flowwatch.api.PluginContext;
import io.flowwatch.api.notify.Notifier;
import io.flowwatch.api.notify.NotifierFactory;
import org.pf4j.Extension;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

/**
 * Makes {@code type = sns} notifiers. Stateless: {@code create} only reads config; the SNS client
 * (and with it the credentials chain) is built at a notifier's first delivery.
 */
@Extension
public final class SnsNotifierFactory implements NotifierFactory {

    public static final String TYPE = "sns";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Notifier create(Config config, PluginContext ctx) {
        SnsNotifierConfig c = SnsNotifierConfig.read(config, "flowwatch.notifiers." + ctx.name());
        return new SnsNotifier(c, () -> DefaultCredentialsProvider.builder().build());
    }
}
