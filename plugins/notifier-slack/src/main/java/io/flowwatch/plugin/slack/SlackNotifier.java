package io.flowwatch.plugin.slack;

import io.flowwatch.api.PluginContext;
import io.flowwatch.api.notify.Alert;
import io.flowwatch.api.notify.DeliveryResult;
import io.flowwatch.api.notify.Notifier;
import io.flowwatch.plugin.support.http.HttpOutcome;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Posts one Block Kit message per {@link #deliver} call to a Slack incoming webhook.
 *
 * <p>One {@link HttpClient} per notifier (its connection pool is reused between alerts); the
 * runtime calls {@code deliver} from one thread, and this class neither retries nor sleeps.
 */
public final class SlackNotifier implements Notifier {

    static final String USER_AGENT = "flowwatch-notifier-slack";

    private final SlackNotifierConfig config;
    private final SlackTemplate template;
    private final Clock clock;
    private final ExecutorService executor;
    private final HttpClient client;

    SlackNotifier(SlackNotifierConfig config, PluginContext ctx) {
        this.config = config;
        // Already compiled and tried once by SlackNotifierConfig.read.
        this.template = SlackTemplate.compile(config.template(), config.statusUrl().toString());
        this.clock = ctx.clock();
        // The client's own helper threads get the runtime's names; close() stops them.
        this.executor = Executors.newCachedThreadPool(ctx.threadFactory());
        this.client = HttpClient.newBuilder()
                .connectTimeout(config.timeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(executor)
                .build();
    }

    public SlackNotifierConfig config() {
        return config;
    }

    @Override
    public DeliveryResult deliver(Alert alert) {
        byte[] body;
        try {
            body = SlackMessage.toJson(alert, config, template);
        } catch (RuntimeException e) {
            // A template that passed the config check can still trip on an odd alert: never retry that.
            return DeliveryResult.permanentFailure("cannot render the Slack message: " + e.getMessage());
        }
        HttpRequest request = HttpRequest.newBuilder(config.webhookUrl())
                .timeout(config.timeout())
                .header("Content-Type", "application/json; charset=utf-8")
                .header("User-Agent", USER_AGENT)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        return HttpOutcome.attempt(client, request, clock);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
