package io.flowwatch.runtime;

import io.flowwatch.api.notify.Alert;
import io.flowwatch.api.rule.Severity;
import io.flowwatch.runtime.alert.AlertTracker;
import io.flowwatch.runtime.alert.RecentAlerts;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class StatusPageTest {

    static final String EVIL = "<script>alert('x')</script>&\"";
    static final String EVIL_ESCAPED = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;";
    static final Instant NOW = Instant.parse("2025-11-24T12:10:00Z");

    static StatusPage.AgentInfo info(long watermark) {
        return new StatusPage.AgentInfo("1.2.3", NOW, NOW.minusSeconds(3723), watermark);
    }

    @Test
    void hostileTextFromLabelsSummariesErrorsAndNamesIsEscapedEverywhere() {
        Alert alert = new Alert("id1", EVIL, Severity.HIGH, Alert.State.FIRING, Map.of(EVIL, EVIL), 150, 100,
                Instant.parse("2025-11-24T12:00:00Z"), null, EVIL, EVIL, List.of());
        RecentAlerts recent = new RecentAlerts(5, Clock.fixed(NOW, ZoneOffset.UTC));
        recent.add(alert);
        StatusPage.View view = new StatusPage.View(info(NOW.getEpochSecond() - 60),
                List.of(new StatusPage.SourceRow(EVIL, false, EVIL, 12.0, 1, 1, 0, 3)),
                List.of(new StatusPage.RuleRow(EVIL, EVIL, "high",
                        List.of(new AlertTracker.Firing(Map.of("srcaddr", EVIL), Instant.parse("2025-11-24T12:00:00Z"), 150, 100, EVIL)), 7)),
                recent.newestFirst(),
                List.of(new StatusPage.NotifierRow(EVIL, 2, 1, 0, 0, 0)));

        String html = StatusPage.html(view);

        assertThat(html).doesNotContain("<script").doesNotContain("alert('x')");
        // name (source, rule, notifier), type, last error, firing key value (twice), summary (twice), label key and value, alert rule
        assertThat(html.split(java.util.regex.Pattern.quote(EVIL_ESCAPED), -1).length - 1).isGreaterThanOrEqualTo(12);
        assertThat(html).contains("<code>srcaddr=" + EVIL_ESCAPED + "</code>")
                .contains("<code>" + EVIL_ESCAPED + "=" + EVIL_ESCAPED + "</code>");
    }

    @Test
    void anIdleAgentShowsEveryEmptyStateInWords() {
        String html = StatusPage.html(new StatusPage.View(info(Long.MIN_VALUE), List.of(), List.of(), List.of(), List.of()));

        assertThat(html).contains("<title>flowwatch</title>")
                .contains("nothing firing")
                .contains("Nothing is firing.")
                .contains("No sources configured")
                .contains("No rules loaded")
                .contains("No alerts raised since the agent started.")
                .contains("No notifiers configured")
                .contains("none yet")
                .contains("<meta http-equiv=\"refresh\" content=\"10\">")
                .doesNotContain("<table");
    }

    @Test
    void showsFiringCountsStateLagAgentInfoAndResolvedAlertsNewestFirst() {
        Instant start = Instant.parse("2025-11-24T12:00:00Z");
        RecentAlerts recent = new RecentAlerts(5, Clock.fixed(NOW, ZoneOffset.UTC));
        recent.add(new Alert("a", "ssh", Severity.HIGH, Alert.State.FIRING, Map.of("srcaddr", "1.2.3.4"), 150, 100,
                start, null, "first", "", List.of()));
        recent.add(new Alert("a", "ssh", Severity.HIGH, Alert.State.RESOLVED, Map.of("srcaddr", "1.2.3.4"), 150, 100,
                start, start.plusSeconds(600), "second", "", List.of()));
        StatusPage.View view = new StatusPage.View(info(Long.MAX_VALUE),
                List.of(new StatusPage.SourceRow("vpc", true, "", 75.4, 10, 9, 1, 0),
                        new StatusPage.SourceRow("idle", true, "", null, 0, 0, 0, 0)),
                List.of(new StatusPage.RuleRow("ssh", "frequency", "high",
                        List.of(new AlertTracker.Firing(Map.of("srcaddr", "1.2.3.4"), start, 150.5, 100, "s")), -1)),
                recent.newestFirst(), List.of(new StatusPage.NotifierRow("slack", 0, 4, 2, 1, 0)));

        String html = StatusPage.html(view);

        assertThat(html).contains("<title>(1 firing) flowwatch</title>")
                .contains("1 alert firing")
                .contains("2 sources healthy")
                .contains("1m 15s") // lag
                .contains("no records yet")
                .contains("1h 2m (since") // uptime of 3723 s
                .contains("end of input")
                .contains("150.50")
                .contains("firing 1")
                .contains("n/a")
                .contains("version</dt><dd>1.2.3");
        assertThat(html.indexOf("second")).as("newest first").isLessThan(html.indexOf("first<"));
        assertThat(html).contains("2025-11-24 12:00:00Z</time> – <time datetime=\"2025-11-24T12:10:00Z\">2025-11-24 12:10:00Z</time>");
    }

    @Test
    void recentAlertsKeepsOnlyTheNewest() {
        RecentAlerts recent = new RecentAlerts(3, Clock.fixed(NOW, ZoneOffset.UTC));
        for (int i = 0; i < 5; i++) {
            recent.add(new Alert("id" + i, "r", Severity.LOW, Alert.State.FIRING, Map.of(), i, 0, NOW, null, "", "", List.of()));
        }
        assertThat(recent.newestFirst()).extracting(e -> e.alert().id()).containsExactly("id4", "id3", "id2");
    }
}
