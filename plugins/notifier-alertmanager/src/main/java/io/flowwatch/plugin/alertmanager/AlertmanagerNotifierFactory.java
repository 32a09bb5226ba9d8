package io.flowwatch.plugin.alertmanager;

import com.typesafe.config.Config;
import io.flowwatch.api.PluginContext;
import io.flowwatch.api.notify.Notifier;
import io.flowwatch.api.notify.NotifierFactory;
import org.pf4j.Extension;

import java.util.Set;

/** Makes {@code type = alertmanager} notifiers. Stateless: {@code create} only reads config. */
@Extension
public final class AlertmanagerNotifierFactory implements NotifierFactory {

    public static final String TYPE = "alertmanager";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Set<String> secretKeys() {
        return Set.of("password", "headers.Authorization", "headers.authorization");
    }

    @Override
    public Notifier create(Config config, PluginContext ctx) {
        AlertmanagerNotifierConfig c = AlertmanagerNotifierConfig.read(config, "flowwatch.notifiers." + ctx.name());
        return new AlertmanagerNotifier(c, ctx.clock(), ctx.threadFactory());
    }
}
