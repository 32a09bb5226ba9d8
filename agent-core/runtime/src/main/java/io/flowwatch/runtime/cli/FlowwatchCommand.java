package io.flowwatch.runtime.cli;

import io.flowwatch.runtime.plugin.PluginRuntime;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The top-level command; each subcommand is one class in this package. */
@Command(name = "flowwatch", mixinStandardHelpOptions = true, versionProvider = FlowwatchCommand.Version.class,
        description = "Watches AWS VPC Flow Logs and tells people when traffic looks wrong.",
        subcommands = {RunCommand.class, DemoCommand.class, ValidateCommand.class, ParseCommand.class, QueryCommand.class,
                PluginsCommand.class, TestRulesCommand.class, NotifyTestCommand.class, AthenaDdlCommand.class,
                CommandLine.HelpCommand.class})
public final class FlowwatchCommand implements Runnable {

    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new FlowwatchCommand());
        cl.setExitCodeExceptionMapper(e -> USAGE);
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("flowwatch: " + ex.getMessage());
            c.getErr().println("Try 'flowwatch " + (c.getCommandName().equals("flowwatch") ? "" : c.getCommandName() + " ") + "--help'.");
            return USAGE;
        });
        return cl;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"flowwatch " + PluginRuntime.versionOfRuntime()};
        }
    }
}
