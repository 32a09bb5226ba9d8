package io.flowwatch.runtime.cli;

import io.flowwatch.runtime.config.ConfigLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Runs the agent: reads sources, evaluates rules, sends alerts, serves /metrics.")
final class RunCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "agent.conf to use")
    Path config;

    @Option(names = "--once", description = "Read all available input, close every window, deliver alerts, exit.")
    boolean once;

    @Override
    public Integer call() {
        return AgentLauncher.run(new ConfigLoader().load(config), once, System.err);
    }
}
