package io.flowwatch.runtime.cli;

import io.flowwatch.runtime.config.ConfigLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.Callable;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Runs the agent on simulated traffic with injected attacks and the example rules.",
                "Alerts print on the console; metrics and the status page are on http://127.0.0.1:9464/."})
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "9464", description = "HTTP port (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--records", paramLabel = "N", defaultValue = "0",
            description = "stop the simulator after N records and exit once every window is closed (0: run until Ctrl-C)")
    long records;

    @Option(names = "--rules", paramLabel = "GLOB", description = "rule files (default: the distribution's conf/rules.d/*.conf)")
    String rules;

    @Option(names = "--plugins-dir", paramLabel = "DIR", description = "directory of plugin zips (default: the distribution's)")
    Path pluginsDir;

    @Override
    public Integer call() throws IOException {
        String home = System.getProperty("flowwatch.home", ".");
        String ruleGlob = rules != null ? Paths.get(rules).toAbsolutePath().toString()
                : Paths.get(home, "conf", "rules.d").toAbsolutePath() + "/*.conf";
        // A fresh state dir per demo: every demo starts from the beginning of its story.
        Path state = Files.createTempDirectory("flowwatch-demo-");
        boolean once = records > 0;
        String conf = "flowwatch {\n"
                + "  state-dir = " + quote(state.toString()) + "\n"
                + "  http { port = " + port + " }\n"
                + (pluginsDir != null ? "  plugins-dir = " + quote(pluginsDir.toAbsolutePath().toString()) + "\n" : "")
                + "  rules = [" + quote(ruleGlob) + "]\n"
                + "  allowed-lateness = 1m\n"
                + "  sources { simulator { type = simulator, speed = 30"
                + (once ? ", realtime = false, limit = " + records : "") + " } }\n"
                + "  notifiers { console { type = console } }\n"
                + "}\n";
        System.err.println("flowwatch demo: simulated VPC traffic with an SSH brute force, a port scan and an exfiltration burst.");
        System.err.println("flowwatch demo: alerts appear below; metrics at http://127.0.0.1:" + port + "/metrics, status at http://127.0.0.1:" + port + "/ (Ctrl-C stops)");
        ConfigLoader.Loaded loaded = new ConfigLoader().loadString(conf, "demo config", Paths.get(home, "conf", "demo.conf"));
        return AgentLauncher.run(loaded, once, System.err);
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
