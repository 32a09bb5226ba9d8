package io.flowwatch.runtime.notify;

import com.typesafe.config.Config;
import io.flowwatch.api.PluginContext;
import io.flowwatch.api.config.ConfigReader;
import io.flowwatch.api.notify.Alert;
import io.flowwatch.api.notify.DeliveryResult;
import io.flowwatch.api.notify.Notifier;
import io.flowwatch.api.notify.NotifierFactory;
import org.pf4j.Extension;

import java.io.PrintStream;
import java.util.Set;
import java.util.stream.Collectors;

/** {@code type = console}: one line per alert on standard output, for people or for piping. */
@Extension
public final class ConsoleNotifierFactory implements NotifierFactory {

    @Override
    public String type() {
        return "console";
    }

    @Override
    public Notifier create(Config config, PluginContext ctx) {
        ConfigReader r = new ConfigReader(config, "flowwatch.notifiers." + ctx.name());
        String style = r.oneOf("style", Set.of("text", "json"));
        r.throwIfProblems();
        return new ConsoleNotifier(System.out, "json".equals(style));
    }

    /** Writes to a stream; synchronised on it so lines from concurrent notifiers never interleave. */
    static final class ConsoleNotifier implements Notifier {
        private final PrintStream out;
        private final boolean json;

        ConsoleNotifier(PrintStream out, boolean json) {
            this.out = out;
            this.json = json;
        }

        @Override
        public DeliveryResult deliver(Alert alert) {
            String line = json ? AlertJson.toJson(alert) : text(alert);
            synchronized (out) {
                out.println(line);
                out.flush();
            }
            return out.checkError() ? DeliveryResult.retry("standard output is closed", null) : DeliveryResult.delivered();
        }

        static String text(Alert a) {
            String labels = a.labels().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                    .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "));
            StringBuilder sb = new StringBuilder();
            sb.append(a.state() == Alert.State.FIRING ? "FIRING  " : "RESOLVED").append(' ')
                    .append(String.format("%-8s", a.severity().configName())).append(' ')
                    .append(a.rule()).append(" {").append(labels).append("} ");
            if (a.state() == Alert.State.FIRING) {
                sb.append(a.summary());
            } else {
                sb.append("resolved at ").append(a.endsAt());
            }
            sb.append("  [id ").append(a.id()).append(']');
            // Record text is data from the network: never let it smuggle terminal control codes.
            return sb.toString().replaceAll("\\p{Cntrl}", "?");
        }
    }
}
