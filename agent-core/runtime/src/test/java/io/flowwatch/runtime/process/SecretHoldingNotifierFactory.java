package io.flowwatch.runtime.process;

import com.typesafe.config.Config;
import io.flowwatch.api.FlowwatchException;
import io.flowwatch.api.PluginContext;
import io.flowwatch.api.config.ConfigReader;
import io.flowwatch.api.notify.DeliveryResult;
import io.flowwatch.api.notify.Notifier;
import io.flowwatch.api.notify.NotifierFactory;
import org.pf4j.Extension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;

/**
 * A test-only notifier that marks {@code token} as a secret and then does what careless code does
 * with secrets: logs it and puts it in error messages. The runtime must mask it everywhere.
 */
@Extension
public final class SecretHoldingNotifierFactory implements NotifierFactory {

    private static final Logger log = LoggerFactory.getLogger(SecretHoldingNotifierFactory.class);

    @Override
    public String type() {
        return "test-secret";
    }

    @Override
    public Set<String> secretKeys() {
        return Set.of("token");
    }

    @Override
    public Notifier create(Config config, PluginContext ctx) {
        ConfigReader r = new ConfigReader(config, "flowwatch.notifiers." + ctx.name());
        String token = r.string("token");
        boolean fail = r.has("fail") && r.config().getBoolean("fail");
        r.throwIfProblems();
        log.info("notifier {}: using token {}", ctx.name(), token);
        // An exception whose message holds the secret: its stack trace is logged too.
        log.info("notifier {}: token check", ctx.name(), new IllegalStateException("receiver said: bad token " + token));
        if (fail) {
            throw new FlowwatchException("cannot reach https://hooks.invalid/" + token);
        }
        return alert -> {
            log.warn("notifier {}: delivering with token {}", ctx.name(), token);
            return DeliveryResult.delivered();
        };
    }
}
