package io.flowwatch.plugin.alertmanager;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import io.flowwatch.api.FlowwatchException;
import io.flowwatch.api.notify.Alert;
import io.flowwatch.api.notify.DeliveryResult;
import io.flowwatch.api.notify.DeliveryResult.Outcome;
import io.flowwatch.api.notify.Notifier;
import io.flowwatch.api.rule.Severity;
import io.flowwatch.testkit.TestPluginContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The bytes the notifier sends and how HTTP answers map to outcomes, against a local HTTP server. */
class AlertmanagerNotifierHttpTest {

    private static final Instant NOW = Instant.parse("2025-03-01T11:00:00Z");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    record Request(String method, String path, Map<String, List<String>> headers, byte[] body) {
    }

    @TempDir
    Path state;
    private HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile int status = 200;
    private volatile String answer = "";
    private volatile Map<String, String> answerHeaders = Map.of();
    private final List<Notifier> notifiers = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            try (ex) {
                requests.add(new Request(ex.getRequestMethod(), ex.getRequestURI().getPath(),
                        Map.copyOf(ex.getRequestHeaders()), ex.getRequestBody().readAllBytes()));
                byte[] b = answer.getBytes(StandardCharsets.UTF_8);
                answerHeaders.forEach(ex.getResponseHeaders()::set);
                ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
                ex.getResponseBody().write(b);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        notifiers.forEach(Notifier::close);
        server.stop(0);
    }

    @Test
    void postsOneAlertAsJsonWithBasicAuthAndHeaders() throws Exception {
        Notifier n = notifier("url = \"" + url() + "/prefix/\"\nusername = flow\npassword = \"s3cr:t\"\n"
                + "headers { \"X-Scope-OrgID\" = team-a }\nstatus-url = \"https://fw.example/status\"");
        Alert a = new Alert("id\"1", "exfil", Severity.CRITICAL, Alert.State.FIRING,
                Map.of("src.addr", "10.0.0.1", "9lives", "x\"y\n", "empty", ""), 1.5e9, 1e9,
                Instant.parse("2025-03-01T10:00:00Z"), null, "big \"transfer\"", "<script>", List.of());
        assertThat(n.deliver(a).outcome()).isEqualTo(Outcome.DELIVERED);

        Request req = requests.get(0);
        assertThat(req.method()).isEqualTo("POST");
        assertThat(req.path()).isEqualTo("/prefix/api/v2/alerts");
        assertThat(req.headers().get("Content-type")).containsExactly("application/json");
        assertThat(req.headers().get("Authorization")).containsExactly(
                "Basic " + Base64.getEncoder().encodeToString("flow:s3cr:t".getBytes(StandardCharsets.UTF_8)));
        assertThat(req.headers().get("X-scope-orgid")).containsExactly("team-a");
        JsonNode body = MAPPER.readTree(req.body());
        assertThat(body.isArray()).isTrue();
        assertThat(body).hasSize(1);
        JsonNode alert = body.get(0);
        assertThat(MAPPER.convertValue(alert.get("labels"), Map.class)).isEqualTo(Map.of(
                "alertname", "exfil", "severity", "critical", "src_addr", "10.0.0.1", "_9lives", "x\"y\n"));
        assertThat(MAPPER.convertValue(alert.get("annotations"), Map.class)).isEqualTo(Map.of(
                "summary", "big \"transfer\"", "description", "<script>", "value", "1500000000",
                "threshold", "1000000000", "flowwatch_id", "id\"1"));
        assertThat(alert.get("startsAt").asText()).isEqualTo("2025-03-01T10:00:00Z");
        assertThat(alert.has("endsAt")).isFalse();
        assertThat(alert.get("generatorURL").asText()).isEqualTo("https://fw.example/status/");
    }

    @Test
    void resolvedAlertCarriesEndsAt() throws Exception {
        Notifier n = notifier("url = \"" + url() + "\"");
        n.deliver(new Alert("i", "r", Severity.LOW, Alert.State.RESOLVED, Map.of(), 0, 1,
                Instant.parse("2025-03-01T10:00:00Z"), Instant.parse("2025-03-01T10:07:00Z"), "", "", List.of()));
        JsonNode alert = MAPPER.readTree(requests.get(0).body()).get(0);
        assertThat(alert.get("endsAt").asText()).isEqualTo("2025-03-01T10:07:00Z");
        assertThat(requests.get(0).headers()).doesNotContainKey("Authorization");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "200, DELIVERED", "202, DELIVERED",
            "500, RETRY", "502, RETRY", "503, RETRY", "429, RETRY", "408, RETRY",
            "400, PERMANENT_FAILURE", "401, PERMANENT_FAILURE", "403, PERMANENT_FAILURE", "404, PERMANENT_FAILURE",
            "301, PERMANENT_FAILURE",
    })
    void statusMapsToOutcome(int code, Outcome expected) {
        Notifier n = notifier("url = \"" + url() + "\"");
        status = code;
        answer = code == 400 ? "{\"code\":400,\"message\":\"start time must be before end time\"}" : "";
        DeliveryResult r = n.deliver(alert());
        assertThat(r.outcome()).as(r.detail()).isEqualTo(expected);
        assertThat(requests).hasSize(1);
        if (code >= 300) {
            assertThat(r.detail()).contains("answered " + code);
        }
        if (code == 400) {
            assertThat(r.detail()).contains("start time must be before end time");
        }
    }

    @Test
    void retryAfterSecondsAndDateAreHonoured() {
        Notifier n = notifier("url = \"" + url() + "\"");
        status = 429;
        answerHeaders = Map.of("Retry-After", "30");
        assertThat(n.deliver(alert()).retryAfter()).isEqualTo(Duration.ofSeconds(30));
        status = 503;
        answerHeaders = Map.of("Retry-After", "Sat, 01 Mar 2025 11:02:00 GMT");
        DeliveryResult r = n.deliver(alert());
        assertThat(r.outcome()).isEqualTo(Outcome.RETRY);
        assertThat(r.retryAfter()).isEqualTo(Duration.ofMinutes(2));
        status = 500;
        answerHeaders = Map.of();
        assertThat(n.deliver(alert()).retryAfter()).isNull();
    }

    @Test
    void unreachableIsRetryAndCreateDoesNotConnect() {
        Notifier n = notifier("url = \"" + url() + "\"\ntimeout = 2s");
        assertThat(requests).isEmpty();
        server.stop(0);
        DeliveryResult r = n.deliver(alert());
        assertThat(r.outcome()).isEqualTo(Outcome.RETRY);
        assertThat(r.detail()).contains("/api/v2/alerts");
    }

    @Test
    void everyConfigProblemIsReportedAtOnceWithOrigin() {
        String conf = """
                url = "ftp://am.example"
                username = "a:b"
                headers { "Bad Header" = x, Host = y }
                timeout = 0s
                firing-ttl = soon
                status-url = "/relative"
                """;
        assertThatThrownBy(() -> create(conf))
                .isInstanceOfSatisfying(FlowwatchException.class, e -> assertThat(e.problems())
                        .extracting(p -> p.origin() + " " + p.key())
                        .containsExactlyInAnyOrder(
                                "agent.conf:1 flowwatch.notifiers.am.url",
                                "agent.conf:2 flowwatch.notifiers.am.username",
                                "agent.conf:2 flowwatch.notifiers.am.username",
                                "agent.conf:3 flowwatch.notifiers.am.headers",
                                "agent.conf:3 flowwatch.notifiers.am.headers",
                                "agent.conf:4 flowwatch.notifiers.am.timeout",
                                "agent.conf:5 flowwatch.notifiers.am.firing-ttl",
                                "agent.conf:6 flowwatch.notifiers.am.status-url"));
        assertThat(new AlertmanagerNotifierFactory().secretKeys()).contains("password", "headers.Authorization");
    }

    private Notifier notifier(String conf) {
        Notifier n = create(conf);
        notifiers.add(n);
        return n;
    }

    private Notifier create(String conf) {
        Config user = ConfigFactory.parseString(conf, ConfigParseOptions.defaults().setOriginDescription("agent.conf"));
        Config defaults = ConfigFactory.parseResources(AlertmanagerNotifierFactory.class.getClassLoader(), "reference.conf")
                .getConfig("flowwatch.defaults.notifiers.alertmanager");
        return new AlertmanagerNotifierFactory().create(user.withFallback(defaults),
                new TestPluginContext("am", Clock.fixed(NOW, ZoneOffset.UTC), state));
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private static Alert alert() {
        return new Alert("i", "r", Severity.LOW, Alert.State.FIRING, Map.of(), 1, 1,
                Instant.parse("2025-03-01T10:00:00Z"), null, "", "", List.of());
    }
}
