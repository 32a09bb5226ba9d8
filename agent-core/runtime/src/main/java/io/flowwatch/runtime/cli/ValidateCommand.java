package io.flowwatch.runtime.cli;

import io.flowwatch.api.FlowwatchException;
import io.flowwatch.api.FlowwatchException.Problem;
import io.flowwatch.runtime.AgentAssembler;
import io.flowwatch.runtime.config.ConfigLoader;
import io.flowwatch.runtime.plugin.PluginRuntime;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Checks agent.conf, the rule files and the plugins they need; prints every problem as file:line: key: expected ...")
final class ValidateCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "agent.conf to check")
    Path config;

    @Override
    public Integer call() {
        ConfigLoader.Loaded loaded = new ConfigLoader().load(config);
        List<Problem> problems = new ArrayList<>(loaded.problems());
        if (loaded.config() != null) {
            try (PluginRuntime plugins = PluginRuntime.load(loaded.config().pluginsDir())) {
                for (String p : plugins.catalog().problems()) {
                    problems.add(new Problem(loaded.config().pluginsDir().toString(), "flowwatch.plugins-dir", p));
                }
                try {
                    new AgentAssembler(plugins.catalog(), Clock.systemUTC(), null).assemble(loaded.config());
                } catch (FlowwatchException e) {
                    problems.addAll(e.problems().isEmpty()
                            ? List.of(new Problem(config.toString(), "", e.getMessage())) : e.problems());
                }
            } catch (IOException e) {
                problems.add(new Problem(loaded.config().pluginsDir().toString(), "flowwatch.plugins-dir",
                        "cannot load plugins: " + e.getMessage()));
            }
        }
        if (problems.isEmpty()) {
            System.out.println(config + ": OK (" + (loaded.config().sources().size()) + " sources, "
                    + loaded.config().rules().size() + " rules, " + loaded.config().notifiers().size() + " notifiers)");
            return FlowwatchCommand.OK;
        }
        Problems.print(System.err, problems);
        return FlowwatchCommand.USAGE;
    }
}
