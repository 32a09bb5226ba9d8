package io.flowwatch.plugin.webhook;

import com.typesafe.config.Config;
import io.flowwatch.api.PluginContext;
import io.flowwatch.api.notify.Notifier;
import io.flowwatch.api.notify.NotifierFactory;
import org.pf4j.Extension;

import java.util.Set;

/** Makes {@code type = webhook} notifiers. Stateless: {@code create} only reads and checks config. */
@Extension
public final class WebhookNotifierFactory implements NotifierFactory {

    public static final String TYPE = "webhook";

    /**
     * The URL (it often embeds a token), the HMAC key, and the values of the usual credential
     * headers. The runtime can only mask fixed key paths, so a credential sent in a header with
     * another name is not masked: reference.conf says so.
     */
    static final Set<String> SECRET_KEYS = Set.of("url", "hmac-secret",
            "headers.Authorization", "headers.authorization",
            "headers.Proxy-Authorization", "headers.proxy-authorization",
            "headers.X-Api-Key", "headers.x-api-key", "headers.Api-Key", "headers.api-key",
            "headers.X-Auth-Token", "headers.x-auth-token",
            "headers.Cookie", "headers.cookie");

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Set<String> secretKeys() {
        return SECRET_KEYS;
    }

    @Override
    public Notifier create(Config config, PluginContext ctx) {
        return new WebhookNotifier(WebhookNotifierConfig.read(config, "flowwatch.notifiers." + ctx.name()), ctx);
    }
}
