package io.flowwatch.plugin.email;

import com.typesafe.config.Config;
import io.flowwatch.api.PluginContext;
import io.flowwatch.api.notify.Notifier;
import io.flowwatch.api.notify.NotifierFactory;
import org.pf4j.Extension;

import java.util.Set;

/** Makes {@code type = email} notifiers. Stateless: {@code create} only reads config and the trust store file. */
@Extension
public final class EmailNotifierFactory implements NotifierFactory {

    public static final String TYPE = "email";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Set<String> secretKeys() {
        return Set.of("password", "truststore-password");
    }

    @Override
    public Notifier create(Config config, PluginContext ctx) {
        return new EmailNotifier(EmailNotifierConfig.read(config, "flowwatch.notifiers." + ctx.name()), ctx);
    }
}
