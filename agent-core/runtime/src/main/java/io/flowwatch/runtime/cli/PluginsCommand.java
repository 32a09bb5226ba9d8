package io.flowwatch.runtime.cli;

import io.flowwatch.runtime.config.ConfigLoader;
import io.flowwatch.runtime.plugin.ExtensionKind;
import io.flowwatch.runtime.plugin.PluginCatalog;
import io.flowwatch.runtime.plugin.PluginRuntime;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "plugins", mixinStandardHelpOptions = true,
        description = "Lists the loaded plugins, their versions and the types each provides.")
final class PluginsCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "use the plugins-dir of this agent.conf")
    Path config;

    @Option(names = "--plugins-dir", paramLabel = "DIR", description = "directory of plugin zips (default: the distribution's)")
    Path pluginsDir;

    @Override
    public Integer call() {
        Path dir = pluginsDir;
        if (dir == null && config != null) {
            ConfigLoader.Loaded loaded = new ConfigLoader().load(config);
            if (loaded.config() == null) {
                Problems.print(System.err, loaded.problems());
                return FlowwatchCommand.USAGE;
            }
            dir = loaded.config().pluginsDir();
        }
        if (dir == null) {
            dir = ConfigLoader.defaultPluginsDir();
        }
        try (PluginRuntime runtime = PluginRuntime.load(dir)) {
            PluginCatalog catalog = runtime.catalog();
            System.out.println("plugins from " + dir.toAbsolutePath().normalize());
            System.out.printf("%-22s %-16s %s%n", "PLUGIN", "VERSION", "PROVIDES");
            for (PluginCatalog.PluginInfo p : catalog.plugins()) {
                StringBuilder provides = new StringBuilder();
                for (Map.Entry<ExtensionKind, List<String>> e : p.types().entrySet()) {
                    if (provides.length() > 0) {
                        provides.append("; ");
                    }
                    provides.append(e.getKey().section()).append(": ").append(String.join(", ", e.getValue().stream().sorted().toList()));
                }
                System.out.printf("%-22s %-16s %s%n", p.id(), p.version(), provides.length() == 0 ? "-" : provides);
            }
            for (String problem : catalog.problems()) {
                System.err.println("warning: " + problem);
            }
            return catalog.problems().isEmpty() ? FlowwatchCommand.OK : FlowwatchCommand.FAILED;
        } catch (IOException e) {
            System.err.println("flowwatch: cannot load plugins from " + dir + ": " + e.getMessage());
            return FlowwatchCommand.FAILED;
        }
    }
}
