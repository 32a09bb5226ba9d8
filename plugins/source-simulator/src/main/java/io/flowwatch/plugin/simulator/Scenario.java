package io.flowwatch.plugin.simulator;

/**
 * The attacks the simulator can inject. Each has a config block under {@code scenarios} and a
 * counter of the records it made ({@code flowwatch_simulator_<name>_records_total}, one metric
 * per scenario because record values never become labels).
 */
enum Scenario {
    SSH_BRUTE_FORCE("ssh-brute-force"),
    PORT_SCAN("port-scan"),
    EXFILTRATION("exfiltration");

    private final String key;

    Scenario(String key) {
        this.key = key;
    }

    /** The name under {@code scenarios} in config. */
    String key() {
        return key;
    }

    String metricName() {
        return "simulator_" + key.replace('-', '_') + "_records_total";
    }

    SimulatorConfig.Window window(SimulatorConfig.Scenarios s) {
        return switch (this) {
            case SSH_BRUTE_FORCE -> s.sshBruteForce().window();
            case PORT_SCAN -> s.portScan().window();
            case EXFILTRATION -> s.exfiltration().window();
        };
    }
}
