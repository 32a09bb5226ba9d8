package io.flowwatch.packaging;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The shipped flowwatch.service: accepted by systemd as written, and hardened as designed. */
class SystemdUnitIT {

    private static final String EXEC_START = "/usr/bin/flowwatch run --config /etc/flowwatch/agent.conf";

    @TempDir
    Path tmp;

    private static Path unit() {
        return Command.built("flowwatch.src.deb").resolve("systemd/flowwatch.service");
    }

    @Test
    void systemdAnalyzeVerifyAcceptsTheUnitWithoutAWarning() throws Exception {
        Command.Result r = verify(copyWithStubLauncher(Files.readString(unit())));
        assertThat(r.exit()).as("systemd-analyze verify exit; output:%n%s", r.both()).isZero();
        // Unknown keys and bad values are only warnings (exit 0): any line about our unit fails.
        assertThat(r.both().lines().filter(l -> l.contains("flowwatch"))).as("verify output").isEmpty();
    }

    @Test
    void theVerifyCheckWouldCatchAMistypedDirective() throws Exception {
        // Guards the test above: a misspelt hardening key must show up in the output it inspects.
        String broken = Files.readString(unit()).replace("ProtectHome=yes", "ProtectHomes=yes");
        Command.Result r = verify(copyWithStubLauncher(broken));
        assertThat(r.both()).contains("flowwatch.service").contains("ProtectHomes");
    }

    @Test
    void unitRunsTheAgentAsTheFlowwatchUserWithHardening() throws IOException {
        Map<String, List<String>> service = section(Files.readString(unit()), "Service");
        assertThat(service.get("ExecStart")).containsExactly(EXEC_START);
        assertThat(service.get("ExecReload")).containsExactly("/bin/kill -HUP $MAINPID");
        assertThat(service.get("Type")).containsExactly("exec");
        assertThat(service.get("Restart")).containsExactly("on-failure");
        assertThat(service.get("User")).containsExactly("flowwatch");
        assertThat(service.get("Group")).containsExactly("flowwatch");
        assertThat(service.get("TimeoutStopSec")).containsExactly("30");
        for (String yes : List.of("NoNewPrivileges", "ProtectHome", "PrivateTmp", "ProtectKernelTunables",
                "ProtectControlGroups", "LockPersonality")) {
            assertThat(service.get(yes)).as(yes).containsExactly("yes");
        }
        assertThat(service.get("ProtectSystem")).containsExactly("strict");
        assertThat(service.get("ReadWritePaths")).containsExactly("/var/lib/flowwatch /var/log/flowwatch");
        // Plugins are unpacked into systemd's cache directory once, not into the private /tmp on each start.
        assertThat(service.get("CacheDirectory")).containsExactly("flowwatch");
        assertThat(service.get("CapabilityBoundingSet")).containsExactly("");
        assertThat(service.get("RestrictAddressFamilies")).containsExactly("AF_INET AF_INET6 AF_UNIX");
        // The JIT needs writable+executable memory; the agent exits 0 on SIGTERM.
        assertThat(service).doesNotContainKeys("MemoryDenyWriteExecute", "SuccessExitStatus");
        assertThat(section(Files.readString(unit()), "Install").get("WantedBy")).containsExactly("multi-user.target");
    }

    /** A copy of the unit whose ExecStart names an executable stub, as verify checks it exists. */
    private Path copyWithStubLauncher(String unitText) throws IOException {
        Path launcher = tmp.resolve("flowwatch");
        Files.writeString(launcher, "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(unitText).contains("ExecStart=" + EXEC_START);
        Path copy = tmp.resolve("flowwatch.service");
        Files.writeString(copy, unitText.replace("ExecStart=/usr/bin/flowwatch ", "ExecStart=" + launcher + " "));
        return copy;
    }

    private static Command.Result verify(Path unitFile) throws Exception {
        String analyze = Command.require("systemd-analyze", "systemd");
        return Command.run(List.of(analyze, "verify", "--man=no", unitFile.toString()));
    }

    /** Key to values (in order) of one section of a unit file; comments and blank lines skipped. */
    static Map<String, List<String>> section(String unitText, String name) {
        Map<String, List<String>> keys = new LinkedHashMap<>();
        String current = null;
        for (String line : unitText.lines().map(String::strip).toList()) {
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[")) {
                current = line.substring(1, line.length() - 1);
            } else if (name.equals(current)) {
                int eq = line.indexOf('=');
                keys.computeIfAbsent(line.substring(0, eq), k -> new ArrayList<>()).add(line.substring(eq + 1));
            }
        }
        return keys;
    }
}
