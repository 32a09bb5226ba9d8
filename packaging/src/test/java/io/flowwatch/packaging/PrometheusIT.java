package io.flowwatch.packaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * flowwatch as Prometheus meets it: the agent from the built distribution ({@code bin/flowwatch run})
 * scraped by Debian's real {@code prometheus} on a free loopback port, with the shipped alerting rules
 * loaded; read back through Prometheus's HTTP API. Also lints the exposition with {@code promtool},
 * and checks that the shipped Grafana dashboard and alert rules query only metrics the agent exports
 * and that Prometheus accepts every one of their expressions.
 *
 * <p>One agent and one Prometheus serve all tests (about 20 s in all). Input: the simulator (live
 * traffic for the shipped example rules) and a directory source with lines whose counts the test
 * knows, read by one extra rule, so values can be checked exactly.
 */
class PrometheusIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** Good lines in the first file, 2 of them REJECT; plus 1 malformed line. */
    private static final int GOOD = 6;
    private static final int REJECTS = 2;

    @TempDir
    static Path dir;

    private static Process agent;
    private static Process prometheus;
    private static int agentPort;
    private static String promUrl;
    private static Path alertRules;

    @BeforeAll
    static void startAgentAndPrometheus() throws Exception {
        Path dist = Command.built("flowwatch.dist");
        alertRules = Command.built("flowwatch.prometheus.rules");
        String prometheusBin = Command.require("prometheus", "prometheus");

        Files.createDirectories(dir.resolve("flowlogs"));
        Files.createDirectories(dir.resolve("extra"));
        writeFlowLog("a.log", GOOD, REJECTS, 1);
        // One extra rule over the directory source only, so its values are known exactly.
        Files.writeString(dir.resolve("extra/it.conf"), """
                rules = [
                  { name = it-rejects, type = metric-filter, sources = [files]
                    where = "action == 'REJECT'", metric { name = it_rejects, value = "1" } }
                ]
                """);
        agentPort = freePort();
        Path conf = dir.resolve("agent.conf");
        Files.writeString(conf, """
                flowwatch {
                  state-dir = "%s"
                  http { bind = "127.0.0.1", port = %d }
                  rules = ["%s/conf/rules.d/*.conf", "extra/*.conf"]
                  sources {
                    sim   { type = simulator, realtime = true }
                    files { type = directory, path = "%s", poll-interval = 200ms }
                  }
                  notifiers { console { type = console } }
                }
                """.formatted(dir.resolve("state"), agentPort, dist, dir.resolve("flowlogs")));
        ProcessBuilder pb = new ProcessBuilder(dist.resolve("bin/flowwatch").toString(), "run", "--config", conf.toString())
                .directory(dir.toFile())
                .redirectOutput(dir.resolve("agent.out").toFile())
                .redirectError(dir.resolve("agent.err").toFile());
        pb.environment().put("FLOWWATCH_NO_DEFAULTS", "1");
        agent = pb.start();
        await(Duration.ofSeconds(60), "the agent's /metrics", () -> get("http://127.0.0.1:" + agentPort + "/metrics").statusCode() == 200);

        int promPort = freePort();
        promUrl = "http://127.0.0.1:" + promPort;
        Path promConf = dir.resolve("prometheus.yml");
        // Scraped every 2 s and evaluated every second so the test sees a few cycles within seconds.
        // The timeout is the whole interval (a loaded CI machine): a scrape that times out marks every series stale.
        Files.writeString(promConf, """
                global:
                  scrape_interval: 2s
                  scrape_timeout: 2s
                  evaluation_interval: 1s
                rule_files:
                  - %s
                scrape_configs:
                  - job_name: flowwatch
                    static_configs:
                      - targets: ["127.0.0.1:%d"]
                """.formatted(alertRules, agentPort));
        prometheus = new ProcessBuilder(prometheusBin, "--config.file=" + promConf,
                "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + promPort)
                .redirectOutput(dir.resolve("prometheus.out").toFile())
                .redirectError(dir.resolve("prometheus.err").toFile())
                .start();
        await(Duration.ofSeconds(60), "Prometheus ready", () -> get(promUrl + "/-/ready").statusCode() == 200);
        await(Duration.ofSeconds(30), "the first scrape of the agent", () -> value("up{job=\"flowwatch\"}") == 1.0);

        // Malformed lines after the first scrape: rate() sees them only as an increase between samples.
        writeFlowLog("b.log", 0, 0, 3);
    }

    @AfterAll
    static void stop() throws Exception {
        for (Process p : new Process[] {prometheus, agent}) {
            if (p != null) {
                p.destroy();
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
    }

    @Test
    void prometheusScrapesTheAgentAndReadsItsSelfAndRuleMetrics() throws Exception {
        await(Duration.ofSeconds(30), "up", () -> value("up{job=\"flowwatch\"}") == 1.0);
        await(Duration.ofSeconds(30), "the directory source's records in Prometheus",
                () -> value("flowwatch_records_malformed_total{source=\"files\"}") == 4.0);
        assertThat(value("flowwatch_records_read_total{source=\"files\"}")).isEqualTo(GOOD + 4.0);
        assertThat(value("flowwatch_records_parsed_total{source=\"files\"}")).isEqualTo(GOOD);
        assertThat(value("flowwatch_rule_evaluations_total{rule=\"it-rejects\"}")).isEqualTo(GOOD);
        assertThat(value("flowwatch_rule_it_rejects_total{rule=\"it-rejects\"}")).isEqualTo(REJECTS);
        assertThat(value("flowwatch_source_up{source=\"files\"}")).isEqualTo(1.0);

        // The simulator runs in real time: its lag stays small, and every shipped rule sees its records.
        await(Duration.ofSeconds(30), "simulated records", () -> value("flowwatch_records_parsed_total{source=\"sim\"}") > 1000);
        assertThat(value("flowwatch_source_lag_seconds{source=\"sim\"}")).isBetween(0.0, 30.0);
        assertThat(value("flowwatch_rule_evaluations_total{rule=\"ssh-rdp-brute-force\"}")).isGreaterThan(1000);
        assertThat(value("flowwatch_outbox_depth{notifier=\"console\"}")).isEqualTo(0.0);
        assertThat(value("flowwatch_config_last_reload_successful")).isEqualTo(1.0);
        assertThat(value("count(flowwatch_checkpoints_committed_total > 0)")).isEqualTo(2.0);
        assertThat(value("flowwatch_build_info")).isEqualTo(1.0);
        assertThat(value("jvm_memory_bytes_used{area=\"heap\"}")).isPositive();
    }

    @Test
    void promtoolFindsNoLintProblemsInTheExposition() throws Exception {
        Path metrics = dir.resolve("metrics.txt");
        Files.writeString(metrics, get("http://127.0.0.1:" + agentPort + "/metrics").body());
        Command.Result r = Command.run(List.of("sh", "-c", "\"$0\" check metrics < \"$1\"",
                Command.require("promtool", "prometheus"), metrics.toString()));
        assertThat(r.exit()).as(r.both()).isZero();
        assertThat(r.both()).as("promtool's complaints").isBlank();
    }

    @Test
    void theShippedAlertRulesPassPromtoolAndAllEvaluateWithoutErrorAgainstTheAgent() throws Exception {
        Command.Result check = Command.run(List.of(Command.require("promtool", "prometheus"), "check", "rules", alertRules.toString()));
        assertThat(check.exit()).as(check.both()).isZero();

        await(Duration.ofSeconds(30), "every rule evaluated", () -> {
            JsonNode rules = api("/api/v1/rules").path("groups").path(0).path("rules");
            for (JsonNode rule : rules) {
                if (rule.path("lastEvaluation").asText().startsWith("0001-")) {
                    return false;
                }
            }
            return rules.size() > 0;
        });
        JsonNode group = api("/api/v1/rules").path("groups").path(0);
        assertThat(group.path("name").asText()).isEqualTo("flowwatch");
        List<String> names = new ArrayList<>();
        for (JsonNode rule : group.path("rules")) {
            names.add(rule.path("name").asText());
            assertThat(rule.path("health").asText()).as("%s: %s", rule.path("name"), rule.path("lastError")).isEqualTo("ok");
        }
        assertThat(names).contains("FlowwatchDown", "FlowwatchSourceDown", "FlowwatchSourceLagHigh", "FlowwatchCheckpointFailures",
                "FlowwatchNotificationsFailing", "FlowwatchNotificationsDropped", "FlowwatchOutboxGrowing",
                "FlowwatchConfigReloadFailed", "FlowwatchMalformedRecords", "FlowwatchRuleKeysEvicted");

        // 4 of 10 lines malformed: the expression holds now (pending: its `for` is 15 minutes).
        await(Duration.ofSeconds(30), "FlowwatchMalformedRecords pending for source files",
                () -> alertState("FlowwatchMalformedRecords", "files").equals("pending"));
        assertThat(alertState("FlowwatchDown", null)).as("the agent is up").isEmpty();

        // A reload with a broken rule file is refused; the operator's alert fires at once.
        Files.writeString(dir.resolve("extra/broken.conf"), "rules = [ { name = broken, type = frequency, threshold = lots } ]\n");
        Command.Result hup = Command.run(List.of("kill", "-HUP", Long.toString(agent.pid())));
        assertThat(hup.exit()).as(hup.both()).isZero();
        await(Duration.ofSeconds(30), "FlowwatchConfigReloadFailed firing",
                () -> alertState("FlowwatchConfigReloadFailed", null).equals("firing"));
        assertThat(Files.readString(dir.resolve("agent.err"))).contains("reload refused").contains("broken.conf");
        Files.delete(dir.resolve("extra/broken.conf"));
        Command.run(List.of("kill", "-HUP", Long.toString(agent.pid())));
        await(Duration.ofSeconds(30), "FlowwatchConfigReloadFailed resolved after a good reload",
                () -> alertState("FlowwatchConfigReloadFailed", null).isEmpty());
    }

    @Test
    void theGrafanaDashboardHasADatasourceVariableAndQueriesOnlyMetricsTheAgentExports() throws Exception {
        JsonNode dash = JSON.readTree(Command.built("flowwatch.grafana.dashboard").toFile());
        assertThat(dash.path("title").asText()).isEqualTo("flowwatch");
        JsonNode vars = dash.path("templating").path("list");
        assertThat(vars.findValuesAsText("type")).contains("datasource");
        assertThat(vars.get(0).path("query").asText()).isEqualTo("prometheus");

        List<String> exprs = new ArrayList<>();
        int panels = 0;
        for (JsonNode panel : dash.path("panels")) {
            if (panel.path("type").asText().equals("row")) {
                continue;
            }
            panels++;
            assertThat(panel.path("datasource").path("uid").asText()).as(panel.path("title").asText()).isEqualTo("${datasource}");
            assertThat(panel.path("targets").size()).as(panel.path("title").asText()).isPositive();
            panel.path("targets").forEach(t -> exprs.add(t.path("expr").asText()));
        }
        for (JsonNode v : vars) {
            if (v.path("type").asText().equals("query")) {
                String q = v.path("query").path("query").asText();
                Matcher m = Pattern.compile("label_values\\((.*),\\s*\\w+\\)").matcher(q);
                assertThat(m.matches()).as(q).isTrue();
                exprs.add(m.group(1));
            }
        }
        assertThat(panels).isGreaterThanOrEqualTo(15);

        Set<String> exported = exportedNames();
        Set<String> seen = new TreeSet<>();
        for (String expr : exprs) {
            Set<String> names = metricNames(expr);
            assertThat(names).as("metrics in %s", expr).isNotEmpty();
            assertThat(exported).as("metrics the agent exports, for %s", expr).containsAll(names);
            seen.addAll(names);
            // Prometheus itself accepts the query (with Grafana's variables filled in as Grafana would).
            String concrete = expr.replace("$__rate_interval", "1m").replace("$__range", "5m")
                    .replace("$instance", ".*").replace("$job", ".*");
            JsonNode r = query(concrete);
            assertThat(r.path("status").asText()).as("%s: %s", concrete, r.path("error")).isEqualTo("success");
        }
        // The panels cover what an operator looks at.
        assertThat(seen).contains("flowwatch_records_read_total", "flowwatch_records_malformed_total", "flowwatch_source_lag_seconds",
                "flowwatch_rule_evaluations_total", "flowwatch_alerts_firing", "flowwatch_notifications_failed_total",
                "flowwatch_notifications_dropped_total", "flowwatch_outbox_depth", "flowwatch_checkpoint_failures_total",
                "flowwatch_config_last_reload_successful", "flowwatch_rule_keys_evicted_total");
    }

    @Test
    void theShippedAlertRulesQueryOnlyMetricsTheAgentExports() throws Exception {
        Set<String> exported = exportedNames();
        Matcher m = Pattern.compile("(?m)^ +expr: (\\|\\n((?: {10}.*\\n)+)|(.*))").matcher(Files.readString(alertRules));
        int n = 0;
        while (m.find()) {
            String expr = m.group(2) != null ? m.group(2) : m.group(3);
            assertThat(exported).as("metrics the agent exports, for %s", expr).containsAll(metricNames(expr));
            n++;
        }
        assertThat(n).isGreaterThanOrEqualTo(10);
    }

    /** Metric names in a PromQL expression: identifiers outside strings, matchers, ranges and grouping clauses, not called. */
    static Set<String> metricNames(String expr) {
        String s = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")
                .replaceAll("\\{[^}]*}", " ")
                .replaceAll("\\[[^]]*]", " ")
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
        Set<String> out = new TreeSet<>();
        Matcher m = Pattern.compile("(?<![\\w$.])([a-zA-Z_:][a-zA-Z0-9_:]*)\\b(\\s*\\()?").matcher(s);
        while (m.find()) {
            if (m.group(2) == null && !Set.of("and", "or", "unless", "bool", "offset", "by", "without").contains(m.group(1))) {
                out.add(m.group(1));
            }
        }
        return out;
    }

    @Test
    void metricNamesAreFoundOutsideMatchersFunctionsAndClauses() {
        assertThat(metricNames("sum by (source) (rate(flowwatch_records_read_total{instance=~\"$instance\", a=\"b c\"}[$__rate_interval]))"))
                .containsExactly("flowwatch_records_read_total");
        assertThat(metricNames("time() - process_start_time_seconds and up == 0 or x_total offset 5m"))
                .containsExactly("process_start_time_seconds", "up", "x_total");
    }

    /** Names the agent's /metrics declares (TYPE lines) or has samples for, plus Prometheus's own {@code up}. */
    private static Set<String> exportedNames() throws Exception {
        Set<String> names = new TreeSet<>(Set.of("up"));
        for (String line : get("http://127.0.0.1:" + agentPort + "/metrics").body().lines().toList()) {
            if (line.startsWith("# TYPE ")) {
                names.add(line.split(" ")[2]);
            } else if (!line.startsWith("#") && !line.isBlank()) {
                names.add(line.split("[{ ]")[0]);
            }
        }
        return names;
    }

    /** The state ("pending", "firing") of an alert, optionally for one source label; "" when inactive. */
    private static String alertState(String alert, String source) throws Exception {
        for (JsonNode a : api("/api/v1/alerts").path("alerts")) {
            if (a.path("labels").path("alertname").asText().equals(alert)
                    && (source == null || a.path("labels").path("source").asText().equals(source))) {
                return a.path("state").asText();
            }
        }
        return "";
    }

    /** The value of an instant query with one result; NaN when there is none. */
    private static double value(String promql) throws Exception {
        JsonNode result = query(promql).path("data").path("result");
        assertThat(result.size()).as("series for %s: %s", promql, result).isLessThanOrEqualTo(1);
        return result.isEmpty() ? Double.NaN : Double.parseDouble(result.get(0).path("value").get(1).asText());
    }

    private static JsonNode query(String promql) throws Exception {
        return JSON.readTree(get(promUrl + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)).body());
    }

    private static JsonNode api(String path) throws Exception {
        HttpResponse<String> r = get(promUrl + path);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).path("data");
    }

    private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Writes {@code good} default-format lines ({@code rejects} of them REJECT) and {@code malformed} bad ones. */
    private static void writeFlowLog(String name, int good, int rejects, int malformed) throws IOException {
        long t = System.currentTimeMillis() / 1000 - 120;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < good; i++) {
            sb.append("2 123456789012 eni-0a1 10.0.1.5 10.0.3.7 ").append(40000 + i).append(" 443 6 1 60 ")
                    .append(t + i).append(' ').append(t + i + 1).append(i < rejects ? " REJECT OK\n" : " ACCEPT OK\n");
        }
        for (int i = 0; i < malformed; i++) {
            sb.append("2 123456789012 eni-0a1 not-an-address 10.0.3.7 1 2 6 1 60 ").append(t).append(' ').append(t).append(" ACCEPT OK\n");
        }
        // Written beside and moved in, so the source never sees half a file.
        Path tmp = dir.resolve(name + ".tmp");
        Files.writeString(tmp, sb.toString());
        Files.move(tmp, dir.resolve("flowlogs").resolve(name));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private static void await(Duration timeout, String what, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (true) {
            try {
                if (check.ok()) {
                    return;
                }
            } catch (IOException e) {
                last = e; // not listening yet
            }
            if (System.nanoTime() > deadline) {
                AssertionError e = new AssertionError("timed out waiting for " + what + "; agent stderr:\n"
                        + tail(dir.resolve("agent.err")) + "\nprometheus stderr:\n" + tail(dir.resolve("prometheus.err")));
                if (last != null) {
                    e.addSuppressed(last);
                }
                throw e;
            }
            Thread.sleep(200);
        }
    }

    private static String tail(Path f) throws IOException {
        if (!Files.exists(f)) {
            return "(none)";
        }
        List<String> lines = Files.readAllLines(f);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }
}
