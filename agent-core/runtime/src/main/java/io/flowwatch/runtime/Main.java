package io.flowwatch.runtime;

import io.flowwatch.runtime.cli.FlowwatchCommand;
import picocli.CommandLine;

/** Entry point: {@code flowwatch <command>}. Exit codes: 0 ok, 1 failed, 2 usage or config error. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(FlowwatchCommand.commandLine().execute(args));
    }
}
