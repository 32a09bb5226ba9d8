package io.flowwatch.runtime.notify;

import com.typesafe.config.Config;
import io.flowwatch.api.PluginContext;
import io.flowwatch.api.config.ConfigReader;
import io.flowwatch.api.notify.Alert;
import io.flowwatch.api.notify.DeliveryResult;
import io.flowwatch.api.notify.Notifier;
import io.flowwatch.api.notify.NotifierFactory;
import org.pf4j.Extension;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;

/** {@code type = file}: appends each alert as one line of JSON (the DESIGN.md alert contract). */
@Extension
public final class FileNotifierFactory implements NotifierFactory {

    @Override
    public String type() {
        return "file";
    }

    @Override
    public Notifier create(Config config, PluginContext ctx) {
        ConfigReader r = new ConfigReader(config, "flowwatch.notifiers." + ctx.name());
        String path = r.string("path");
        r.throwIfProblems();
        return new FileNotifier(Paths.get(path));
    }

    static final class FileNotifier implements Notifier {
        private final Path path;

        FileNotifier(Path path) {
            this.path = path;
        }

        @Override
        public DeliveryResult deliver(Alert alert) {
            byte[] line = (AlertJson.toJson(alert) + "\n").getBytes(StandardCharsets.UTF_8);
            try {
                Path dir = path.toAbsolutePath().getParent();
                if (dir != null) {
                    Files.createDirectories(dir);
                }
                // One write call per line with O_APPEND: lines from a crash are whole or absent.
                Files.write(path, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
                return DeliveryResult.delivered();
            } catch (IOException e) {
                return DeliveryResult.retry(path + ": " + e.getMessage(), null);
            }
        }
    }
}
