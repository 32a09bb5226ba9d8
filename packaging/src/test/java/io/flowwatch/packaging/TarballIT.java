package io.flowwatch.packaging;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The distribution tarball, listed with tar: the layout the README documents. */
class TarballIT {

    @Test
    void holdsTheLauncherLibsPluginsConfAlertRulesAndDashboard() throws Exception {
        Path tarball = Command.built("flowwatch.tarball");
        assertThat(tarball).isRegularFile();
        String name = tarball.getFileName().toString();
        String top = name.substring(0, name.length() - ".tar.gz".length()) + "/";
        Command.Result r = Command.run(List.of(Command.require("tar", "tar"), "-tzf", tarball.toString()));
        assertThat(r.exit()).as(r.err()).isZero();
        List<String> entries = r.out().lines().toList();
        assertThat(entries).allMatch(e -> e.startsWith(top), "everything under " + top)
                .contains(top + "bin/flowwatch", top + "conf/agent.conf", top + "conf/logback.xml",
                        top + "prometheus/flowwatch-alerts.yml", top + "grafana/flowwatch.json")
                .anyMatch(e -> e.startsWith(top + "lib/flowwatch-runtime-") && e.endsWith(".jar"))
                .anyMatch(e -> e.startsWith(top + "plugins/rules-standard-") && e.endsWith(".zip"));
    }
}
