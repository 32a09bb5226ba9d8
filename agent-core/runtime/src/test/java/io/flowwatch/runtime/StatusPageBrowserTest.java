package io.flowwatch.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.flowwatch.runtime.config.AgentConfig;
import io.flowwatch.runtime.config.ConfigLoader;
import io.flowwatch.runtime.plugin.PluginRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The status page of a real running agent (daemon mode, real plugin zips) in Debian's headless
 * Chromium: it loads, shows the firing alert, the source and the notifier, shows hostile label
 * text as text, and the browser reports no console errors or failed loads.
 */
class StatusPageBrowserTest {

    static PluginRuntime plugins;

    @TempDir
    Path dir;

    @BeforeAll
    static void loadPlugins() throws IOException {
        plugins = PluginRuntime.load(TestPlugins.dir());
    }

    @AfterAll
    static void closePlugins() {
        plugins.close();
    }

    static final long T0 = 1_764_000_000L - (1_764_000_000L % 300);
    /** Would run script and request a missing image (a console error) if the page did not escape label values. */
    static final String HOSTILE = "<img src=/x.png onerror=\"console.error('xss')\">";

    /** 150 rejected SSH attempts in the first 5-minute window, then traffic that closes it but not the next one. */
    void writeAttackData() throws IOException {
        Path file = dir.resolve("flowlogs/eni.log");
        Files.createDirectories(file.getParent());
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 150; i++) {
            sb.append("2 123456789012 eni-0a1 185.220.101.7 10.0.3.7 ").append(40000 + i)
                    .append(" 22 6 1 60 ").append(T0 + i).append(' ').append(T0 + i + 1).append(" REJECT OK\n");
        }
        sb.append("not a flow record\n");
        // Event time T0+400 minus 1m lateness closes [T0, T0+300) (the alert fires) but not [T0+300, T0+600),
        // so nothing resolves it while the daemon runs.
        sb.append("2 123456789012 eni-0a2 10.0.1.5 52.95.128.179 1 443 6 1 40 ").append(T0 + 400).append(' ')
                .append(T0 + 410).append(" ACCEPT OK\n");
        Files.writeString(file, sb.toString());
    }

    AgentConfig config() throws IOException {
        Files.writeString(dir.resolve("rules.conf"), """
                rules = [
                  { name = ssh-brute-force, type = frequency, severity = high
                    match { action = REJECT, dstport = 22, protocol = 6 }
                    group-by = [srcaddr], window = 5m, threshold = 100
                    labels { note = "%s" }
                    notify = [alerts] }
                ]
                """.formatted(HOSTILE.replace("\"", "\\\"")));
        String conf = """
                flowwatch {
                  state-dir = "%s"
                  plugins-dir = "%s"
                  http { port = 0 }
                  rules = ["rules.conf"]
                  allowed-lateness = 1m
                  poll-timeout = 100ms
                  sources { edge-vpc { type = directory, path = "%s" } }
                  notifiers { alerts { type = file, path = "%s" } }
                }
                """.formatted(dir.resolve("state"), TestPlugins.dir().toAbsolutePath(), dir.resolve("flowlogs"),
                dir.resolve("alerts.jsonl"));
        ConfigLoader.Loaded loaded = new ConfigLoader().loadString(conf, "test.conf", dir.resolve("agent.conf"));
        assertThat(loaded.problems()).isEmpty();
        return loaded.config();
    }

    @Test
    void aRunningAgentsFiringAlertShowsInHeadlessChromiumWithoutConsoleErrors() throws Exception {
        writeAttackData();
        Agent agent = new Agent(config(), plugins.catalog(), Clock.systemUTC(), false);
        agent.start();
        try (HeadlessChromium chrome = HeadlessChromium.launch(dir.resolve("chromium-profile"))) {
            awaitFiring(agent);
            HeadlessChromium.Page page = chrome.load("http://127.0.0.1:" + agent.httpPort() + "/");

            assertThat(page.errors()).as("console errors, uncaught exceptions and failed loads").isEmpty();
            assertThat(page.eval("document.title").asText()).isEqualTo("(1 firing) flowwatch");
            assertThat(page.eval("document.querySelector('meta[http-equiv=refresh]').content").asText()).isEqualTo("10");
            assertThat(page.eval("document.scripts.length").asInt()).as("no JavaScript on the page").isZero();

            List<String> firingRow = texts(page, "#firing tr.firing td");
            assertThat(firingRow).hasSize(7);
            assertThat(firingRow.get(0)).isEqualTo("ssh-brute-force");
            assertThat(firingRow.get(1)).isEqualTo("high");
            assertThat(firingRow.get(2)).isEqualTo("srcaddr=185.220.101.7");
            assertThat(firingRow.get(4)).isEqualTo("150");
            assertThat(firingRow.get(5)).isEqualTo("100");

            List<String> source = texts(page, "#sources tr:nth-child(2) td");
            assertThat(source.subList(0, 2)).containsExactly("edge-vpc", "healthy");
            assertThat(source.subList(3, 7)).containsExactly("152", "151", "1", "0"); // read, parsed, malformed, errors

            String rules = page.eval("document.querySelector('#rules').innerText").asText();
            assertThat(rules).contains("ssh-brute-force").contains("frequency").contains("firing 1")
                    .contains("srcaddr=185.220.101.7");

            List<String> recent = texts(page, "#recent tr:nth-child(2) td");
            assertThat(recent.get(1)).isEqualTo("ssh-brute-force");
            assertThat(recent.get(3)).isEqualTo("firing");
            // The hostile label arrives as text, not as an element.
            assertThat(recent.get(4)).contains("note=" + HOSTILE).contains("srcaddr=185.220.101.7");
            assertThat(page.eval("document.images.length").asInt()).isZero();

            List<String> notifier = texts(page, "#notifiers tr:nth-child(2) td");
            assertThat(notifier.get(0)).isEqualTo("alerts");

            String agentInfo = page.eval("document.querySelector('#agent').innerText").asText();
            assertThat(agentInfo).contains(java.time.Instant.ofEpochSecond(T0 + 400 - 60).toString());
            // Kept in target/ for reviewing the layout; not asserted.
            Files.write(Path.of("target", "status-page.png"), page.screenshot());
        } finally {
            agent.shutdown(Duration.ofSeconds(5));
        }
    }

    /** The harness itself: a page with a console error and a missing image must be reported, or the test above proves nothing. */
    @Test
    void theHarnessSeesConsoleErrorsAndFailedLoads() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        server.createContext("/", ex -> {
            byte[] body = (ex.getRequestURI().getPath().equals("/")
                    ? "<!DOCTYPE html><title>t</title><img src=/missing.png><script>console.error('boom')</script>"
                    : "missing").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/html");
            ex.sendResponseHeaders(ex.getRequestURI().getPath().equals("/") ? 200 : 404, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        try (HeadlessChromium chrome = HeadlessChromium.launch(dir.resolve("chromium-profile"))) {
            HeadlessChromium.Page page = chrome.load("http://127.0.0.1:" + server.getAddress().getPort() + "/");
            assertThat(page.errors()).anySatisfy(e -> assertThat(e).startsWith("console.error").contains("boom"))
                    .anySatisfy(e -> assertThat(e).startsWith("log:").contains("missing.png"));
        } finally {
            server.stop(0);
        }
    }

    static void awaitFiring(Agent agent) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            Double v = agent.registry().getSampleValue("flowwatch_alerts_firing", new String[]{"rule"},
                    new String[]{"ssh-brute-force"});
            if (v != null && v == 1) {
                return;
            }
            assertThat(System.nanoTime()).as("the alert fires within 30 s").isLessThan(end);
            Thread.sleep(100);
        }
    }

    static List<String> texts(HeadlessChromium.Page page, String selector) throws Exception {
        JsonNode n = page.eval("[...document.querySelectorAll('" + selector + "')].map(e => e.innerText.trim())");
        List<String> out = new ArrayList<>();
        n.forEach(x -> out.add(x.asText()));
        return out;
    }
}
