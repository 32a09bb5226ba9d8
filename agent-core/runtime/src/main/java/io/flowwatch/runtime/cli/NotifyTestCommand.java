package io.flowwatch.runtime.cli;

import io.flowwatch.api.FlowwatchException;
import io.flowwatch.api.notify.Alert;
import io.flowwatch.api.notify.DeliveryResult;
import io.flowwatch.api.notify.Notifier;
import io.flowwatch.api.rule.Severity;
import io.flowwatch.runtime.AgentAssembler;
import io.flowwatch.runtime.config.ConfigLoader;
import io.flowwatch.runtime.logging.SecretMasker;
import io.flowwatch.runtime.plugin.PluginRuntime;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;

@Command(name = "notify-test", mixinStandardHelpOptions = true,
        description = {"Sends a sample alert through one configured notifier and reports the outcome.",
                "Exit 0 when the receiver accepted it, 1 when it did not, 2 for a config problem."})
final class NotifyTestCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "agent.conf naming the notifier")
    Path config;

    @Option(names = "--resolved", description = "also send the matching resolved notification")
    boolean resolved;

    @Parameters(paramLabel = "NOTIFIER", description = "the notifier's name under flowwatch.notifiers")
    String notifier;

    @Override
    public Integer call() {
        ConfigLoader.Loaded loaded = new ConfigLoader().load(config);
        if (loaded.config() == null || !loaded.ok()) {
            Problems.print(System.err, loaded.problems());
            return FlowwatchCommand.USAGE;
        }
        if (!loaded.config().notifiers().containsKey(notifier)) {
            System.err.println("flowwatch: no notifier '" + notifier + "' in " + config + "; configured: "
                    + String.join(", ", new TreeSet<>(loaded.config().notifiers().keySet())));
            return FlowwatchCommand.USAGE;
        }
        try (PluginRuntime plugins = PluginRuntime.load(loaded.config().pluginsDir())) {
            AgentAssembler.Assembled graph;
            try {
                graph = new AgentAssembler(plugins.catalog(), Clock.systemUTC(), null).assemble(loaded.config());
            } catch (FlowwatchException e) {
                AgentLauncher.printProblems(System.err, e);
                return FlowwatchCommand.USAGE;
            }
            Notifier n = graph.notifiers().get(notifier);
            Alert firing = sample();
            boolean ok = send(n, firing);
            if (ok && resolved) {
                ok = send(n, new Alert(firing.id(), firing.rule(), firing.severity(), Alert.State.RESOLVED, firing.labels(),
                        firing.value(), firing.threshold(), firing.startsAt(), firing.startsAt().plus(5, ChronoUnit.MINUTES),
                        firing.summary(), firing.description(), firing.samples()));
            }
            n.close();
            return ok ? FlowwatchCommand.OK : FlowwatchCommand.FAILED;
        } catch (IOException e) {
            System.err.println("flowwatch: cannot load plugins from " + loaded.config().pluginsDir() + ": " + e.getMessage());
            return FlowwatchCommand.USAGE;
        }
    }

    private boolean send(Notifier n, Alert a) {
        DeliveryResult r;
        try {
            r = n.deliver(a);
        } catch (RuntimeException e) {
            r = DeliveryResult.retry("the notifier threw " + e, null);
        }
        String what = notifier + ": " + a.state().wireName() + " test alert " + a.id();
        switch (r.outcome()) {
            case DELIVERED -> System.out.println(what + ": delivered");
            case RETRY -> System.out.println(SecretMasker.mask(what + ": not delivered, would be retried"
                    + (r.retryAfter() == null ? "" : " after " + r.retryAfter().toSeconds() + "s") + ": " + r.detail()));
            case PERMANENT_FAILURE -> System.out.println(SecretMasker.mask(what + ": refused (would not be retried): " + r.detail()));
        }
        return r.outcome() == DeliveryResult.Outcome.DELIVERED;
    }

    static Alert sample() {
        Instant start = Instant.now().truncatedTo(ChronoUnit.MINUTES);
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("version", 2L);
        record.put("account-id", "123456789012");
        record.put("interface-id", "eni-0123456789abcdef0");
        record.put("srcaddr", "192.0.2.1");
        record.put("dstaddr", "10.0.3.7");
        record.put("srcport", 40000L);
        record.put("dstport", 22L);
        record.put("protocol", 6L);
        record.put("packets", 1L);
        record.put("bytes", 60L);
        record.put("start", start.getEpochSecond());
        record.put("end", start.getEpochSecond() + 1);
        record.put("action", "REJECT");
        record.put("log-status", "OK");
        return new Alert("notify-test-" + start.getEpochSecond(), "flowwatch-notify-test", Severity.INFO, Alert.State.FIRING,
                Map.of("srcaddr", "192.0.2.1"), 150, 100, start, null,
                "Test notification from flowwatch notify-test: 192.0.2.1 made 150 rejected SSH attempts in 5m (threshold 100)",
                "If you can read this, the notifier works.", List.of(record));
    }
}
