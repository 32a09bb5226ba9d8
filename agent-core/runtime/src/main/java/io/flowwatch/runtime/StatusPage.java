package io.flowwatch.runtime;

import io.flowwatch.api.notify.Alert;
import io.flowwatch.runtime.alert.AlertTracker;
import io.flowwatch.runtime.alert.RecentAlerts;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** A plain server-rendered status page: no JavaScript, refreshes itself. (/health is {@link SourceHealth}.) */
final class StatusPage {

    private StatusPage() {
    }

    /** Everything the page shows, gathered by the agent at request time; rendering is a pure function of it. */
    record View(AgentInfo agent, List<SourceRow> sources, List<RuleRow> rules, List<RecentAlerts.Entry> recent,
                List<NotifierRow> notifiers) {
    }

    /** @param watermark engine event time in epoch seconds; {@link Long#MIN_VALUE} none yet, {@link Long#MAX_VALUE} end of input */
    record AgentInfo(String version, Instant now, Instant startedAt, long watermark) {
    }

    /** @param lagSeconds null until the source delivered records */
    record SourceRow(String name, boolean healthy, String lastError, Double lagSeconds, long read, long parsed,
                     long malformed, long errors) {
    }

    /** @param trackedKeys -1 when the rule is not keyed */
    record RuleRow(String name, String type, String severity, List<AlertTracker.Firing> firing, int trackedKeys) {
    }

    record NotifierRow(String name, int depth, long sent, long retried, long failed, long dropped) {
    }

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'")
            .withZone(ZoneOffset.UTC);

    private static final String CSS = "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}"
            + "h1{font-size:1.4em;margin:0 0 .3em}h2{font-size:1.1em;margin:1.6em 0 .4em}"
            + "table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:.3em .5em;"
            + "text-align:left;vertical-align:top}th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}"
            + ".bad{color:#b00020;font-weight:600}.ok{color:#1b5e20}.muted{color:#777}.empty{color:#777;font-style:italic}"
            + "code{font-size:.95em;background:#f4f4f4;padding:0 .2em}nav a{margin-right:1em}dl{margin:0}"
            + "dt{display:inline;color:#555}dd{display:inline;margin:0 1.2em 0 .3em}"
            + "time,td:nth-child(-n+2){white-space:nowrap}";

    /** The status page: server-rendered, no JavaScript, refreshes itself every 10 s; all text escaped. */
    static String html(View v) {
        StringBuilder sb = new StringBuilder(8192);
        int firing = v.rules().stream().mapToInt(r -> r.firing().size()).sum();
        long failing = v.sources().stream().filter(s -> !s.healthy()).count();
        sb.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">")
                .append("<meta http-equiv=\"refresh\" content=\"10\">")
                // An empty inline icon: otherwise every refresh asks for /favicon.ico and logs a 404 in the console.
                .append("<link rel=\"icon\" href=\"data:,\">")
                .append("<title>").append(firing > 0 ? "(" + firing + " firing) " : "").append("flowwatch</title>")
                .append("<style>").append(CSS).append("</style></head><body>");
        sb.append("<h1>flowwatch</h1><p>");
        sb.append(firing > 0 ? "<span class=\"bad\">" + firing + " alert" + (firing == 1 ? "" : "s") + " firing</span>"
                : "<span class=\"ok\">nothing firing</span>");
        sb.append(" · ").append(failing > 0 ? "<span class=\"bad\">" + failing + " of " + v.sources().size() + " sources failing</span>"
                : "<span class=\"ok\">" + v.sources().size() + " source" + (v.sources().size() == 1 ? "" : "s") + " healthy</span>");
        sb.append("</p><nav><a href=\"#firing\">firing</a><a href=\"#sources\">sources</a><a href=\"#rules\">rules</a>")
                .append("<a href=\"#recent\">recent alerts</a><a href=\"#notifiers\">notifiers</a>")
                .append("<a href=\"/metrics\">/metrics</a><a href=\"/health\">/health</a></nav>");
        // Sections carry ids so the nav links (and tests) can address them.
        sb.append("<section id=\"agent\">");
        agent(sb, v.agent());
        sb.append("</section><section id=\"firing\">");
        firing(sb, v.rules(), firing);
        sb.append("</section><section id=\"sources\">");
        sources(sb, v.sources());
        sb.append("</section><section id=\"rules\">");
        rules(sb, v.rules());
        sb.append("</section><section id=\"recent\">");
        recent(sb, v.recent());
        sb.append("</section><section id=\"notifiers\">");
        notifiers(sb, v.notifiers());
        sb.append("</section>");
        sb.append("<p class=\"muted\">Refreshes every 10 s. Times are UTC; alert times are event time (the flow records'),")
                .append(" except &quot;raised&quot;, the agent's clock.</p></body></html>\n");
        return sb.toString();
    }

    private static void agent(StringBuilder sb, AgentInfo a) {
        sb.append("<h2>Agent</h2><dl><dt>version</dt><dd>").append(esc(a.version())).append("</dd><dt>up</dt><dd>")
                .append(esc(duration(Duration.between(a.startedAt(), a.now())))).append(" (since ")
                .append(time(a.startedAt())).append(")</dd><dt>watermark</dt><dd>")
                .append(a.watermark() == Long.MIN_VALUE ? "none yet" : a.watermark() == Long.MAX_VALUE ? "end of input"
                        : "<time datetime=\"" + Instant.ofEpochSecond(a.watermark()) + "\">"
                        + esc(Instant.ofEpochSecond(a.watermark()).toString()) + "</time>")
                .append("</dd><dt>now</dt><dd>").append(time(a.now())).append("</dd></dl>");
    }

    private static void firing(StringBuilder sb, List<RuleRow> rules, int count) {
        sb.append("<h2>Firing (").append(count).append(")</h2>");
        if (count == 0) {
            sb.append("<p class=\"empty\">Nothing is firing.</p>");
            return;
        }
        sb.append("<table><tr><th>rule</th><th>severity</th><th>key</th><th>since</th><th>value</th><th>threshold</th>")
                .append("<th>summary</th></tr>");
        for (RuleRow r : rules) {
            for (AlertTracker.Firing f : r.firing()) {
                sb.append("<tr class=\"firing\"><td>").append(esc(r.name())).append("</td><td>").append(esc(r.severity()))
                        .append("</td><td>").append(labels(f.key())).append("</td><td>").append(time(f.since()))
                        .append("</td><td class=\"n\">").append(number(f.value())).append("</td><td class=\"n\">")
                        .append(number(f.threshold())).append("</td><td>").append(esc(f.summary())).append("</td></tr>");
            }
        }
        sb.append("</table>");
    }

    private static void sources(StringBuilder sb, List<SourceRow> sources) {
        sb.append("<h2>Sources (").append(sources.size()).append(")</h2>");
        if (sources.isEmpty()) {
            sb.append("<p class=\"empty\">No sources configured (add one under flowwatch.sources).</p>");
            return;
        }
        sb.append("<table><tr><th>name</th><th>state</th><th>lag</th><th>read</th><th>parsed</th><th>malformed</th>")
                .append("<th>errors</th><th>last error</th></tr>");
        for (SourceRow s : sources) {
            sb.append("<tr><td>").append(esc(s.name())).append("</td><td>")
                    .append(s.healthy() ? "<span class=\"ok\">healthy</span>" : "<span class=\"bad\">failing</span>")
                    .append("</td><td class=\"n\">")
                    .append(s.lagSeconds() == null ? "<span class=\"muted\">no records yet</span>"
                            : esc(duration(Duration.ofSeconds(Math.round(s.lagSeconds())))))
                    .append("</td><td class=\"n\">").append(s.read()).append("</td><td class=\"n\">").append(s.parsed())
                    .append("</td><td class=\"n\">").append(s.malformed()).append("</td><td class=\"n\">").append(s.errors())
                    .append("</td><td>").append(esc(s.lastError())).append("</td></tr>");
        }
        sb.append("</table>");
    }

    private static void rules(StringBuilder sb, List<RuleRow> rules) {
        sb.append("<h2>Rules (").append(rules.size()).append(")</h2>");
        if (rules.isEmpty()) {
            sb.append("<p class=\"empty\">No rules loaded (list rule files in flowwatch.rules).</p>");
            return;
        }
        sb.append("<table><tr><th>name</th><th>type</th><th>severity</th><th>state</th><th>firing keys</th>")
                .append("<th>tracked keys</th></tr>");
        for (RuleRow r : rules) {
            sb.append("<tr><td>").append(esc(r.name())).append("</td><td>").append(esc(r.type())).append("</td><td>")
                    .append(esc(r.severity())).append("</td><td>")
                    .append(r.firing().isEmpty() ? "<span class=\"ok\">ok</span>"
                            : "<span class=\"bad\">firing " + r.firing().size() + "</span>")
                    .append("</td><td>");
            if (r.firing().isEmpty()) {
                sb.append("<span class=\"muted\">none</span>");
            }
            for (AlertTracker.Firing f : r.firing()) {
                sb.append(labels(f.key())).append(" <span class=\"muted\">since ").append(time(f.since()))
                        .append(", value ").append(number(f.value())).append("</span><br>");
            }
            sb.append("</td><td class=\"n\">").append(r.trackedKeys() < 0 ? "<span class=\"muted\">n/a</span>"
                    : String.valueOf(r.trackedKeys())).append("</td></tr>");
        }
        sb.append("</table>");
    }

    private static void recent(StringBuilder sb, List<RecentAlerts.Entry> recent) {
        sb.append("<h2>Recent alerts (").append(recent.size()).append(")</h2>");
        if (recent.isEmpty()) {
            sb.append("<p class=\"empty\">No alerts raised since the agent started.</p>");
            return;
        }
        sb.append("<table><tr><th>raised</th><th>rule</th><th>severity</th><th>state</th><th>labels</th>")
                .append("<th>value</th><th>event time</th><th>summary</th></tr>");
        for (RecentAlerts.Entry e : recent) {
            Alert a = e.alert();
            boolean isFiring = a.state() == Alert.State.FIRING;
            sb.append("<tr><td>").append(time(e.raisedAt())).append("</td><td>").append(esc(a.rule()))
                    .append("</td><td>").append(esc(a.severity().configName())).append("</td><td>")
                    .append(isFiring ? "<span class=\"bad\">firing</span>" : "<span class=\"ok\">resolved</span>")
                    .append("</td><td>").append(labels(a.labels())).append("</td><td class=\"n\">").append(number(a.value()))
                    .append(" / ").append(number(a.threshold())).append("</td><td>").append(time(a.startsAt()));
            if (a.endsAt() != null) {
                sb.append(" – ").append(time(a.endsAt()));
            }
            sb.append("</td><td>").append(esc(a.summary())).append("</td></tr>");
        }
        sb.append("</table>");
    }

    private static void notifiers(StringBuilder sb, List<NotifierRow> notifiers) {
        sb.append("<h2>Notifiers (").append(notifiers.size()).append(")</h2>");
        if (notifiers.isEmpty()) {
            sb.append("<p class=\"empty\">No notifiers configured; alerts show only here and on /metrics.</p>");
            return;
        }
        sb.append("<table><tr><th>name</th><th>outbox</th><th>sent</th><th>retried</th><th>failed</th><th>dropped</th></tr>");
        for (NotifierRow n : notifiers) {
            sb.append("<tr><td>").append(esc(n.name())).append("</td><td class=\"n\">")
                    .append(n.depth() > 0 ? "<span class=\"bad\">" + n.depth() + " waiting</span>" : "0")
                    .append("</td><td class=\"n\">").append(n.sent()).append("</td><td class=\"n\">").append(n.retried())
                    .append("</td><td class=\"n\">").append(n.failed() > 0 ? "<span class=\"bad\">" + n.failed() + "</span>" : "0")
                    .append("</td><td class=\"n\">").append(n.dropped() > 0 ? "<span class=\"bad\">" + n.dropped() + "</span>" : "0")
                    .append("</td></tr>");
        }
        sb.append("</table>");
    }

    /** Labels as escaped {@code key=value} chips, sorted by key. */
    private static String labels(Map<String, String> labels) {
        if (labels.isEmpty()) {
            return "<span class=\"muted\">(no key)</span>";
        }
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : new TreeMap<>(labels).entrySet()) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append("<code>").append(esc(e.getKey())).append('=').append(esc(e.getValue())).append("</code>");
        }
        return sb.toString();
    }

    /** An instant as readable UTC in a {@code <time>} element (kept on one line by the CSS). */
    private static String time(Instant t) {
        return "<time datetime=\"" + t + "\">" + esc(TIME.format(t)) + "</time>";
    }

    static String number(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            return String.valueOf(d);
        }
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        return String.format(Locale.ROOT, "%.2f", d);
    }

    static String duration(Duration d) {
        long s = Math.max(0, d.getSeconds());
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return (s / 60) + "m " + (s % 60) + "s";
        }
        if (s < 86400) {
            return (s / 3600) + "h " + (s % 3600 / 60) + "m";
        }
        return (s / 86400) + "d " + (s % 86400 / 3600) + "h";
    }

    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
