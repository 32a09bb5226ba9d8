package io.flowwatch.plugin.email;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.DummySSLServerSocketFactory;
import com.icegreen.greenmail.util.ServerSetup;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import io.flowwatch.api.notify.Alert;
import io.flowwatch.api.notify.Notifier;
import io.flowwatch.api.rule.Severity;
import io.flowwatch.testkit.MutableClock;
import io.flowwatch.testkit.TestPluginContext;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Config, alerts and GreenMail servers (loopback, free ports) shared by the tests. */
final class MailTestSupport {

    static final String USER = "alerts";
    static final String PASSWORD = "s3cret-pw";
    static final String FROM = "alerts@flowwatch.example";
    static final String TO = "oncall@example.com";

    static {
        // GreenMail's own certificate names no host; ours (src/test/resources/tls) is for localhost and
        // 127.0.0.1, so the notifier's host name check passes only with the right trust store.
        System.setProperty(DummySSLServerSocketFactory.GREENMAIL_KEYSTORE_FILE_PROPERTY, resource("tls/server.p12").toString());
        System.setProperty(DummySSLServerSocketFactory.GREENMAIL_KEYSTORE_PASSWORD_PROPERTY, "changeit");
    }

    private MailTestSupport() {
    }

    static Path resource(String name) {
        try {
            return Path.of(MailTestSupport.class.getClassLoader().getResource(name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A GreenMail server for {@code protocol} (smtp or smtps) on 127.0.0.1, a free port, one user with a password. */
    static GreenMailExtension greenMail(String protocol) {
        return new GreenMailExtension(new ServerSetup(0, "127.0.0.1", protocol))
                .withConfiguration(GreenMailConfiguration.aConfig().withUser(FROM, USER, PASSWORD))
                .withPerMethodLifecycle(true);
    }

    /** A notifier block as the runtime hands it over: the user's lines (origin agent.conf) over reference.conf. */
    static Config block(String hocon) {
        Config user = ConfigFactory.parseString(hocon, ConfigParseOptions.defaults().setOriginDescription("agent.conf"));
        Config reference = ConfigFactory.parseResources(EmailNotifierFactory.class.getClassLoader(), "reference.conf")
                .getConfig("flowwatch.defaults.notifiers.email");
        return user.withFallback(reference).resolve();
    }

    static Notifier notifier(String hocon) {
        return new EmailNotifierFactory().create(block(hocon), context());
    }

    static TestPluginContext context() {
        return new TestPluginContext("oncall", new MutableClock(Instant.parse("2024-05-01T12:00:00Z")), Path.of("unused"));
    }

    static Alert alert(Alert.State state, String summary) {
        Map<String, Object> sample = new LinkedHashMap<>();
        sample.put("srcaddr", "203.0.113.9");
        sample.put("dstport", 22);
        sample.put("action", "REJECT<script>");
        return new Alert("ssh-brute|203.0.113.9|1714564800", "ssh-brute", Severity.HIGH, state,
                Map.of("srcaddr", "203.0.113.9", "note", "<b>&\"x\"</b>"), 42, 10,
                Instant.parse("2024-05-01T11:55:00Z"),
                state == Alert.State.RESOLVED ? Instant.parse("2024-05-01T12:10:00Z") : null,
                summary, "Many rejected SSH connections <from> one source", List.of(sample));
    }
}
