package io.flowwatch.testkit;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import io.flowwatch.api.notify.Alert;
import io.flowwatch.api.rule.Severity;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Alerts, including hostile text, and notifier config blocks for the notifiers' tests. */
public final class TestAlerts {

    /** Text an attacker controls through log records: markup, Slack mentions, entities, line breaks, quotes. */
    public static final String HOSTILE = "<script>alert(\"x\")</script> <!channel> @here & 'quoted' \"dq\"\nline2\r\n\\back é";

    public static final Instant START = Instant.parse("2024-06-01T12:00:00Z");
    public static final Instant END = Instant.parse("2024-06-01T12:05:30Z");

    private TestAlerts() {
    }

    public static Alert firing() {
        Map<String, Object> sample = new LinkedHashMap<>();
        sample.put("srcaddr", "203.0.113.9");
        sample.put("dstport", 22L);
        sample.put("bytes", 1234.5);
        sample.put("action", "REJECT");
        sample.put("log-status", null);
        return new Alert("ssh-brute/5e1f", "ssh-brute", Severity.HIGH, Alert.State.FIRING,
                Map.of("srcaddr", "203.0.113.9", "dstport", "22"), 57, 20, START, null,
                "57 rejected SSH attempts from 203.0.113.9", "Someone is guessing passwords", List.of(sample));
    }

    public static Alert resolved() {
        Alert f = firing();
        return new Alert(f.id(), f.rule(), f.severity(), Alert.State.RESOLVED, f.labels(), 3, f.threshold(),
                f.startsAt(), END, f.summary(), f.description(), List.of());
    }

    public static Alert hostile() {
        Map<String, Object> sample = new LinkedHashMap<>();
        sample.put("srcaddr", HOSTILE);
        return new Alert("id-1", "exfil", Severity.CRITICAL, Alert.State.FIRING,
                Map.of("who", HOSTILE, "host<b>", "a&b"), 0.25, 1e9, START, null, HOSTILE, HOSTILE, List.of(sample));
    }

    /**
     * A user block as parsed from {@code agent.conf}, with the reference defaults of notifier
     * {@code type} (from the plugin that {@code factory} belongs to) under it.
     */
    public static Config block(Class<?> factory, String type, String hocon) {
        Config user = ConfigFactory.parseString(hocon, ConfigParseOptions.defaults().setOriginDescription("agent.conf"));
        Config defaults = ConfigFactory.parseResources(factory.getClassLoader(), "reference.conf")
                .getConfig("flowwatch.defaults.notifiers." + type);
        return user.withFallback(defaults).resolve();
    }
}
