package io.flowwatch.runtime.config;

import com.typesafe.config.ConfigFactory;
import io.flowwatch.api.FlowwatchException.Problem;
import io.flowwatch.api.rule.Severity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    private ConfigLoader loader(Map<String, String> env) {
        return new ConfigLoader(ConfigFactory.defaultReferenceUnresolved(getClass().getClassLoader()).resolve(), env);
    }

    private Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
        return p;
    }

    @Test
    void loadsAValidConfigWithRuleGlobsAndDefaults() throws IOException {
        write("rules.d/a.conf", """
                rules = [ { name = r1, type = frequency, severity = high, notify = [console] } ]
                """);
        write("rules.d/b.conf", """
                rules = [ { name = r2, type = frequency } ]
                """);
        write("rules.d/ignored.txt", "not a rule file");
        Path conf = write("agent.conf", """
                flowwatch {
                  state-dir = %s
                  rules = ["rules.d/*.conf"]
                  sources { local { type = directory, path = "x" } }
                  notifiers { console { type = console } }
                }
                """.formatted(dir.resolve("state")));
        ConfigLoader.Loaded loaded = loader(Map.of()).load(conf);
        assertThat(loaded.problems()).isEmpty();
        AgentConfig c = loaded.config();
        assertThat(c.stateDir()).isEqualTo(dir.resolve("state"));
        assertThat(c.http()).isEqualTo(new HttpConfig(true, "127.0.0.1", 9464));
        assertThat(c.allowedLateness()).isEqualTo(Duration.ofMinutes(10));
        assertThat(c.sources()).containsOnlyKeys("local");
        assertThat(c.sources().get("local").type()).isEqualTo("directory");
        assertThat(c.rules()).extracting(RuleConfig::name).containsExactly("r1", "r2");
        assertThat(c.rules().get(0).spec().severity()).isEqualTo(Severity.HIGH);
        assertThat(c.rules().get(1).spec().severity()).isEqualTo(Severity.MEDIUM);
        assertThat(c.rules().get(1).repeatInterval()).isEqualTo(Duration.ofHours(4));
    }

    @Test
    void aBrokenRuleGlobIsALocatedProblem() throws IOException {
        // A fuzz finding: an unclosed '{' made the glob matcher throw out of the loader.
        write("rules.d/a.conf", "rules = []");
        Path conf = write("agent.conf", """
                flowwatch {
                  rules = ["rules.d/{a,b.conf"]
                }
                """);
        ConfigLoader.Loaded loaded = loader(Map.of()).load(conf);
        assertThat(loaded.problems()).singleElement().asString()
                .contains(conf + ":2").contains("flowwatch.rules")
                .contains("expected a rule file path or glob, got 'rules.d/{a,b.conf'").contains("Missing '}");
    }

    @Test
    void environmentVariablesFillOptionalSubstitutions() throws IOException {
        Path conf = write("agent.conf", """
                flowwatch {
                  http.port = 1000
                  http.port = ${?FW_PORT}
                  notifiers { ops { type = file, path = ${?ALERT_FILE} } }
                }
                """);
        ConfigLoader.Loaded loaded = loader(Map.of("FW_PORT", "9999", "ALERT_FILE", "/tmp/a.jsonl")).load(conf);
        assertThat(loaded.problems()).isEmpty();
        assertThat(loaded.config().http().port()).isEqualTo(9999);
        assertThat(loaded.config().notifiers().get("ops").block().getString("path")).isEqualTo("/tmp/a.jsonl");
        assertThat(loader(Map.of()).load(conf).config().http().port()).isEqualTo(1000);
    }

    @Test
    void reportsEveryProblemAtOnceWithFileLineAndKey() throws IOException {
        write("rules.d/bad.conf", """
                rules = [
                  { name = dup, type = frequency }
                  { name = dup, type = frequency, severity = urgent }
                  { type = frequency }
                  { name = n1, type = frequency, notify = [pager], sources = [nowhere] }
                ]
                """);
        Path conf = write("agent.conf", """
                flowwatch {
                  http { port = "not-a-port" }
                  allowed-lateness = banana
                  statedir = /tmp/x
                  rules = ["rules.d/*.conf"]
                  sources { s1 { path = "no type" } }
                  notifiers { console { type = console } }
                }
                """);
        ConfigLoader.Loaded loaded = loader(Map.of()).load(conf);
        assertThat(loaded.problems()).extracting(Problem::toString).containsExactlyInAnyOrder(
                conf + ":4: flowwatch.statedir: unknown key; expected one of allowed-lateness, checkpoint-interval, defaults, http, notifier-delivery, notifiers, plugins-dir, poll-timeout, query-engines, rule-defaults, rules, sources, state-dir, watch-rules",
                conf + ":2: flowwatch.http.port: expected an integer, got \"not-a-port\"",
                conf + ":3: flowwatch.allowed-lateness: expected a duration such as 30s, 5m or 1h, got \"banana\"",
                conf + ":6: flowwatch.sources.s1.type: expected a string, but the key is missing",
                dir.resolve("rules.d/bad.conf") + ":3: rules[dup].severity: expected one of critical, high, info, low, medium, got 'urgent'",
                dir.resolve("rules.d/bad.conf") + ":4: rules[2].name: expected a string, but the key is missing",
                dir.resolve("rules.d/bad.conf") + ":5: rules[n1].sources: expected one of the configured sources (), got 'nowhere'",
                dir.resolve("rules.d/bad.conf") + ":5: rules[n1].notify: expected one of the configured notifiers (console), got 'pager'");
    }

    @Test
    void duplicateRuleNamesAreAProblem() throws IOException {
        write("r.conf", """
                rules = [
                  { name = dup, type = frequency }
                  { name = dup, type = frequency }
                ]
                """);
        Path conf = write("agent.conf", "flowwatch.rules = [\"r.conf\"]\n");
        assertThat(loader(Map.of()).load(conf).problems()).extracting(Problem::toString)
                .containsExactly(dir.resolve("r.conf") + ":3: rules[dup].name: expected a unique rule name; 'dup' is also defined at "
                        + dir.resolve("r.conf") + ":2");
    }

    @Test
    void syntaxErrorsAreLocated() throws IOException {
        Path conf = write("agent.conf", "flowwatch {\n  http { port = 1 \n");
        ConfigLoader.Loaded loaded = loader(Map.of()).load(conf);
        assertThat(loaded.config()).isNull();
        assertThat(loaded.problems()).hasSize(1);
        assertThat(loaded.problems().get(0).toString()).startsWith(conf + ":");
    }

    @Test
    void aMissingConfigFileIsAProblemNotAnException() {
        ConfigLoader.Loaded loaded = loader(Map.of()).load(dir.resolve("nope.conf"));
        assertThat(loaded.problems()).singleElement().asString().contains("nope.conf").contains("no such file");
    }

    @Test
    void aMissingExplicitRuleFileIsAProblem() throws IOException {
        Path conf = write("agent.conf", "flowwatch.rules = [\"missing.conf\"]\n");
        assertThat(loader(Map.of()).load(conf).problems()).singleElement().asString()
                .contains("flowwatch.rules: expected an existing rule file").contains("missing.conf");
    }
    @Test
    void readsBasicAuthAndTlsWithThePasswordsFromTheEnvironmentAndMasksThem() throws Exception {
        Path ks = io.flowwatch.runtime.http.TestKeystore.create(dir.resolve("server.p12"), "ks-pass-from-env");
        Path conf = write("agent.conf", """
                flowwatch {
                  http {
                    bind = "0.0.0.0"
                    basic-auth { username = oncall, password = ${?FLOWWATCH_HTTP_PASSWORD} }
                    tls { keystore = "%s", keystore-password = ${?FLOWWATCH_KEYSTORE_PASSWORD} }
                  }
                }
                """.formatted(ks));
        ConfigLoader.Loaded loaded = loader(Map.of("FLOWWATCH_HTTP_PASSWORD", "pw-from-env-1",
                "FLOWWATCH_KEYSTORE_PASSWORD", "ks-pass-from-env")).load(conf);
        assertThat(loaded.problems()).isEmpty();
        HttpConfig http = loaded.config().http();
        assertThat(http.basicAuth()).isEqualTo(new HttpConfig.BasicAuth("oncall", "pw-from-env-1"));
        assertThat(http.tls()).isEqualTo(new HttpConfig.Tls(ks, "ks-pass-from-env"));
        assertThat(io.flowwatch.runtime.logging.SecretMasker.mask("a pw-from-env-1 b ks-pass-from-env"))
                .isEqualTo("a **** b ****");
    }

    @Test
    void noAuthAndNoTlsByDefault() throws IOException {
        Path conf = write("agent.conf", "flowwatch { }\n");
        HttpConfig http = loader(Map.of()).load(conf).config().http();
        assertThat(http.basicAuth()).isNull();
        assertThat(http.tls()).isNull();
    }

    @Test
    void halfConfiguredAuthAndTlsAndMisspeltKeysAreAllReported() throws Exception {
        Path ks = io.flowwatch.runtime.http.TestKeystore.create(dir.resolve("server.p12"), "right-pass");
        Path conf = write("agent.conf", """
                flowwatch {
                  http {
                    basic-auth { username = oncall, password = ${?UNSET_PASSWORD} }
                    tls { keystore = "%s", keystore-password = "wrong-pass" }
                    basic_auth { username = typo }
                  }
                }
                """.formatted(ks));
        ConfigLoader.Loaded loaded = loader(Map.of()).load(conf);
        assertThat(loaded.problems()).extracting(Problem::toString).anySatisfy(p -> assertThat(p)
                        .startsWith(conf + ":5: flowwatch.http.basic_auth: unknown key; expected one of basic-auth, bind, enabled, health, port, tls"))
                .anySatisfy(p -> assertThat(p).contains("flowwatch.http.basic-auth.password: expected a password")
                        .contains("FLOWWATCH_HTTP_PASSWORD"))
                .anySatisfy(p -> assertThat(p).contains(conf + ":4: flowwatch.http.tls.keystore: cannot open " + ks))
                .noneSatisfy(p -> assertThat(p).contains("wrong-pass"));
        assertThat(loaded.problems()).hasSize(3);

        Path missing = write("agent2.conf", "flowwatch.http.tls { keystore = nope.p12, keystore-password = abcd }\n");
        assertThat(loader(Map.of()).load(missing).problems()).extracting(Problem::toString).singleElement()
                .asString().contains("flowwatch.http.tls.keystore: expected a readable PKCS12 keystore file").contains("does not exist");
    }

    /** Found by ConfigLoaderFuzzTest: these threw ConfigException.WrongType at the caller. */
    @Test
    void aScalarWhereASectionBelongsIsAProblemNotAnException() {
        for (String text : java.util.List.of("flowwatch = 1", "flowwatch { rule-defaults = 1 }",
                "flowwatch { notifier-delivery = [], notifiers { n { type = console } } }")) {
            ConfigLoader.Loaded loaded = loader(Map.of()).loadString(text + "\n", "agent.conf", dir.resolve("agent.conf"));
            assertThat(loaded.config()).as(text).isNull();
            assertThat(loaded.problems()).as(text).extracting(Problem::toString).singleElement().asString()
                    .startsWith("agent.conf:1: flowwatch").contains("expected an object");
        }
    }

    /** Found by ConfigLoaderFuzzTest: a block replacing a plain value hides reference.conf, and a key lookup threw. */
    @Test
    void aBlockThatHidesTheBuiltInDefaultsIsOneProblemNotAnException() {
        for (String text : java.util.List.of("flowwatch = 1\nflowwatch { rules = [] }", "flowwatch.http = 1\nflowwatch.http { port = 80 }")) {
            ConfigLoader.Loaded loaded = loader(Map.of()).loadString(text + "\n", "agent.conf", dir.resolve("agent.conf"));
            assertThat(loaded.config()).as(text).isNull();
            assertThat(loaded.problems()).as(text).extracting(Problem::toString).singleElement().asString()
                    .startsWith("agent.conf:2: flowwatch").contains("built-in defaults no longer apply").contains("missing ");
        }
    }

    /** Found by ConfigLoaderFuzzTest: a NUL in a path threw InvalidPathException at the caller. */
    @Test
    void aNulCharacterInAPathIsAProblemNotAnException() {
        for (String key : java.util.List.of("rules = [\"rules.d/\\u0000*.conf\"]", "state-dir = \"st\\u0000ate\"",
                "plugins-dir = \"p\\u0000\"", "http.tls { keystore = \"k\\u0000.p12\", keystore-password = abcd }")) {
            ConfigLoader.Loaded loaded = loader(Map.of()).loadString("flowwatch { " + key + " }\n", "agent.conf", dir.resolve("agent.conf"));
            assertThat(loaded.problems()).as(key).extracting(Problem::toString).singleElement().asString()
                    .startsWith("agent.conf:1: flowwatch.").contains("Nul character not allowed");
        }
    }
}
