package io.flowwatch.packaging;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The built .deb, read with Debian's own dpkg-deb: what it installs where, which files are
 * conffiles, its control fields and maintainer scripts, and that an unpacked copy runs.
 */
class DebPackageIT {

    private static final Pattern ENTRY = Pattern.compile("^(\\S+) \\S+\\s+\\d+ \\S+ \\S+ \\./(\\S*?)/?( -> (\\S+))?$");
    private static final List<String> PLUGINS = List.of("source-directory", "source-simulator", "rules-standard",
            "source-s3", "source-cloudwatch-logs", "notifier-sns", "notifier-alertmanager", "notifier-webhook", "notifier-slack",
            "notifier-email", "query-duckdb", "query-athena");

    private static String dpkgDeb;
    private static Path deb;
    /** Path in the package (no leading "./") to its tar mode string, e.g. "-rwxr-xr-x". */
    private static final Map<String, String> modes = new LinkedHashMap<>();
    private static final Map<String, String> links = new LinkedHashMap<>();

    @TempDir
    Path tmp;

    @BeforeAll
    static void listPackage() throws Exception {
        dpkgDeb = Command.require("dpkg-deb", "dpkg");
        deb = Command.built("flowwatch.deb");
        assertThat(deb).as("the .deb built by jdeb in package").isRegularFile();
        Command.Result r = Command.run(List.of(dpkgDeb, "--contents", deb.toString()));
        assertThat(r.exit()).as(r.err()).isZero();
        for (String line : r.out().lines().toList()) {
            Matcher m = ENTRY.matcher(line);
            assertThat(m.matches()).as("dpkg-deb -c line: %s", line).isTrue();
            modes.put("/" + m.group(2), m.group(1));
            if (m.group(4) != null) {
                links.put("/" + m.group(2), m.group(4));
            }
        }
    }

    @Test
    void installsTheDistributionUnderUsrShareWithALauncherOnThePath() throws IOException {
        assertThat(modes.get("/usr/share/flowwatch/bin/flowwatch")).isEqualTo("-rwxr-xr-x");
        assertThat(links).containsEntry("/usr/bin/flowwatch", "/usr/share/flowwatch/bin/flowwatch")
                .containsEntry("/usr/share/flowwatch/conf", "/etc/flowwatch");
        for (String plugin : PLUGINS) {
            assertThat(modes).containsKey("/usr/share/flowwatch/plugins/" + plugin + "-" + version() + ".zip");
        }
        // Every jar of the tarball's lib/ is in the package, and nothing else is.
        List<String> jars;
        try (Stream<Path> s = Files.list(Command.built("flowwatch.dist").resolve("lib"))) {
            jars = s.map(p -> "/usr/share/flowwatch/lib/" + p.getFileName()).sorted().toList();
        }
        assertThat(jars).anyMatch(j -> j.contains("flowwatch-runtime"));
        assertThat(modes.keySet().stream().filter(p -> p.startsWith("/usr/share/flowwatch/lib/") && p.endsWith(".jar")))
                .containsExactlyInAnyOrderElementsOf(jars);
        assertThat(modes.get("/lib/systemd/system/flowwatch.service")).isEqualTo("-rw-r--r--");
        assertThat(modes).containsKey("/usr/share/doc/flowwatch/README.md");
        assertThat(modes).containsEntry("/usr/share/flowwatch/prometheus/flowwatch-alerts.yml", "-rw-r--r--")
                .containsEntry("/usr/share/flowwatch/grafana/flowwatch.json", "-rw-r--r--");
        assertThat(modes.keySet()).allMatch(p -> Stream.of("/usr/", "/etc/", "/lib/").anyMatch((p + "/")::startsWith),
                "only /usr, /etc and /lib: state and logs are made by postinst");
    }

    @Test
    void everyFileUnderEtcIsAConffile() throws Exception {
        Set<String> expected = Set.of("/etc/flowwatch/agent.conf", "/etc/flowwatch/logback.xml",
                "/etc/default/flowwatch", "/etc/flowwatch/rules.d/lists/example-threat-list.txt",
                "/etc/flowwatch/tests/example-rules-test.conf");
        List<String> etcFiles = modes.entrySet().stream()
                .filter(e -> e.getKey().startsWith("/etc/") && e.getValue().startsWith("-")).map(Map.Entry::getKey).toList();
        assertThat(etcFiles).containsAll(expected);
        try (Stream<Path> rules = Files.list(Command.built("flowwatch.conf").resolve("rules.d"))) {
            rules.filter(p -> p.toString().endsWith(".conf"))
                    .forEach(p -> assertThat(etcFiles).contains("/etc/flowwatch/rules.d/" + p.getFileName()));
        }
        Command.Result r = Command.run(List.of(dpkgDeb, "--info", deb.toString(), "conffiles"));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().lines()).containsExactlyInAnyOrderElementsOf(etcFiles);
        // agent.conf may hold secrets: never world-readable (postinst gives the group to flowwatch).
        assertThat(modes.get("/etc/flowwatch/agent.conf")).isEqualTo("-rw-r-----");
    }

    @Test
    void controlDeclaresAJava17RuntimeAndArchitectureAll() throws Exception {
        Command.Result r = Command.run(List.of(dpkgDeb, "--field", deb.toString(),
                "Package", "Version", "Architecture", "Depends", "Maintainer", "Description"));
        assertThat(r.exit()).as(r.err()).isZero();
        Map<String, String> f = fields(r.out());
        assertThat(f.get("Package")).isEqualTo("flowwatch");
        assertThat(f.get("Version")).isEqualTo(version().replace("-SNAPSHOT", "~snapshot"));
        assertThat(f.get("Architecture")).isEqualTo("all");
        assertThat(f.get("Depends")).isEqualTo(
                "default-jre-headless (>= 2:1.17) | openjdk-17-jre-headless | java17-runtime-headless, adduser");
        assertThat(f.get("Maintainer")).matches(".+ <.+@.+>");
        assertThat(f.get("Description")).startsWith("VPC Flow Log monitoring agent\n ");
    }

    @Test
    void maintainerScriptsAreExecutablePosixShellThatParses() throws Exception {
        Path control = tmp.resolve("DEBIAN");
        Command.Result x = Command.run(List.of(dpkgDeb, "--control", deb.toString(), control.toString()));
        assertThat(x.exit()).as(x.err()).isZero();
        for (String script : List.of("postinst", "prerm", "postrm")) {
            Path p = control.resolve(script);
            assertThat(Files.getPosixFilePermissions(p)).as(script).contains(PosixFilePermission.OWNER_EXECUTE);
            assertThat(Files.readString(p)).as(script).startsWith("#!/bin/sh\n").contains("\nset -e\n");
            Command.Result n = Command.run(List.of("sh", "-n", p.toString()));
            assertThat(n.exit()).as("sh -n %s: %s", script, n.err()).isZero();
        }
        String postinst = Files.readString(control.resolve("postinst"));
        assertThat(postinst).contains("adduser --system").contains("--home /var/lib/flowwatch")
                .contains("--shell /usr/sbin/nologin").contains("install -d -o flowwatch -g flowwatch");
        // systemd is only talked to when it runs: chroots, containers and image builds have none.
        assertThat(postinst.lines().filter(l -> l.contains("systemctl") || l.contains("deb-systemd-invoke")))
                .allSatisfy(l -> assertThat(guardedBySystemd(postinst, l)).as(l).isTrue());
        String postrm = Files.readString(control.resolve("postrm"));
        int purge = postrm.indexOf("  purge)");
        assertThat(postrm.indexOf("rm -rf /var/lib/flowwatch /var/log/flowwatch")).isGreaterThan(purge).isPositive();
        assertThat(postrm.indexOf("rm -rf")).isEqualTo(postrm.lastIndexOf("rm -rf"));
        assertThat(Files.readString(control.resolve("prerm"))).contains("stop flowwatch.service");
    }

    @Test
    void theUnpackedPackageRunsWithItsDefaultsFileAndShippedConfig() throws Exception {
        Path root = tmp.resolve("root");
        Command.Result x = Command.run(List.of(Command.require("dpkg", "dpkg"), "--extract", deb.toString(), root.toString()));
        assertThat(x.exit()).as(x.err()).isZero();
        Path launcher = root.resolve("usr/share/flowwatch/bin/flowwatch");
        // The package's /usr/bin link is absolute (it points into the real /usr): make one like it here.
        Path onPath = Files.createSymbolicLink(tmp.resolve("flowwatch"), launcher);

        // The shipped defaults file, plus a JVM option that shows what the launcher passed on.
        Path defaults = tmp.resolve("default-flowwatch");
        Files.writeString(defaults, Files.readString(root.resolve("etc/default/flowwatch"))
                .replace("JAVA_OPTS=\"", "JAVA_OPTS=\"-XshowSettings:all ")
                .replace("FLOWWATCH_OPTS=\"\"", "FLOWWATCH_OPTS=\"-Dfw.check=from-defaults\""));
        // systemd's CacheDirectory= creates the directory and names it in $CACHE_DIRECTORY.
        Path cache = Files.createDirectories(tmp.resolve("var-cache"));
        Map<String, String> env = Map.of("FLOWWATCH_DEFAULTS", defaults.toString(),
                "FLOWWATCH_LOGBACK", root.resolve("etc/flowwatch/logback.xml").toString(),
                "CACHE_DIRECTORY", cache.toString());
        Command.Result v = Command.run(List.of(onPath.toString(), "--version"), env, false);
        assertThat(v.exit()).as(v.both()).isZero();
        assertThat(v.out()).startsWith("flowwatch ");
        assertThat(v.err()).contains("flowwatch.home = " + root.resolve("usr/share/flowwatch").toRealPath())
                .contains("fw.check = from-defaults")
                .containsPattern("Max\\. Heap Size[^:]*: 512\\.00M");

        // Every plugin zip in the package loads from <home>/plugins.
        Command.Result plugins = Command.run(List.of(onPath.toString(), "plugins"), env, false);
        assertThat(plugins.exit()).as(plugins.both()).isZero();
        for (String plugin : PLUGINS) {
            assertThat(plugins.out()).contains(plugin);
        }
        try (var unpacked = Files.list(cache.resolve("plugins"))) {
            assertThat(unpacked.map(p -> p.getFileName().toString()))
                    .as("plugins unpacked into the cache directory, for the next start")
                    .anyMatch(n -> n.matches("rules-standard-.*-[0-9a-f]{16}"));
        }
        assertThat(plugins.both()).doesNotContain("refused", "failed to start");

        // The shipped agent.conf and rules validate, moved into the scratch root.
        Path conf = root.resolve("etc/flowwatch/agent.conf");
        String relocated = Files.readString(conf)
                .replace("/etc/flowwatch", root.resolve("etc/flowwatch").toString())
                .replace("/usr/share/flowwatch", root.resolve("usr/share/flowwatch").toString())
                .replace("/var/lib/flowwatch", tmp.resolve("var-lib").toString())
                .replace("/var/log/flowwatch", tmp.resolve("var-log").toString());
        Path testConf = tmp.resolve("agent.conf");
        Files.writeString(testConf, relocated);
        Command.Result valid = Command.run(List.of(onPath.toString(), "validate", "--config", testConf.toString()), env, false);
        assertThat(valid.exit()).as(valid.both()).isZero();
        // ... which covers every path the agent uses, so it validated what the service will run.
        List<String> paths = Pattern.compile("(?m)^[^#]*?(/[\\w./*-]+)").matcher(Files.readString(conf)).results()
                .map(m -> m.group(1)).toList();
        assertThat(paths).isNotEmpty().allMatch(p -> p.matches("/(etc/flowwatch|usr/share/flowwatch|var/lib/flowwatch|var/log/flowwatch)(/.*)?"));
        Command.Result tests = Command.run(List.of(onPath.toString(), "test-rules",
                root.resolve("etc/flowwatch/tests/example-rules-test.conf").toString()), env, false);
        assertThat(tests.exit()).as(tests.both()).isZero();
    }

    @Test
    void thePackagedUnitAlertRulesAndDashboardAreTheCheckedOnes() throws Exception {
        Path root = tmp.resolve("root");
        Command.Result x = Command.run(List.of(Command.require("dpkg", "dpkg"), "--extract", deb.toString(), root.toString()));
        assertThat(x.exit()).as(x.err()).isZero();
        assertThat(root.resolve("lib/systemd/system/flowwatch.service"))
                .hasSameTextualContentAs(Command.built("flowwatch.src.deb").resolve("systemd/flowwatch.service"));
        assertThat(root.resolve("usr/share/flowwatch/prometheus/flowwatch-alerts.yml"))
                .hasSameTextualContentAs(Command.built("flowwatch.prometheus.rules"));
        assertThat(root.resolve("usr/share/flowwatch/grafana/flowwatch.json"))
                .hasSameTextualContentAs(Command.built("flowwatch.grafana.dashboard"));
    }

    private static boolean guardedBySystemd(String script, String line) {
        String before = script.substring(0, script.indexOf(line));
        int guard = before.lastIndexOf("if [ -d /run/systemd/system ]; then");
        return guard >= 0 && before.indexOf("\n  fi\n", guard) < 0;
    }

    private static String version() {
        String name = deb.getFileName().toString();
        return name.substring("flowwatch_".length(), name.length() - "_all.deb".length());
    }

    /** Parses dpkg-deb --field output (continuation lines start with a space). */
    private static Map<String, String> fields(String text) {
        Map<String, String> f = new LinkedHashMap<>();
        String key = null;
        List<String> order = new ArrayList<>();
        for (String line : text.lines().toList()) {
            if (line.startsWith(" ") && key != null) {
                f.put(key, f.get(key) + "\n" + line);
            } else {
                int colon = line.indexOf(':');
                key = line.substring(0, colon);
                order.add(key);
                f.put(key, line.substring(colon + 1).strip());
            }
        }
        return f;
    }
}
