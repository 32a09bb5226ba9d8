package io.flowwatch.plugin.slack;

import com.typesafe.config.Config;
import io.flowwatch.api.config.ConfigReader;
import io.flowwatch.api.rule.Severity;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A Slack notifier's settings.
 *
 * @param webhookUrl the incoming-webhook URL (a secret: it is the credential)
 * @param statusUrl  the agent's status page, linked from every message
 * @param template   the main section's Mustache text
 * @param username   display-name override, or null
 * @param iconEmoji  icon override such as {@code :rotating_light:}, or null
 * @param channel    channel override such as {@code #netsec}, or null
 * @param colors     attachment colour per severity name and for {@code resolved}, {@code #RRGGBB}
 * @param timeout    for connecting and, separately, for the whole exchange
 */
public record SlackNotifierConfig(URI webhookUrl, URI statusUrl, String template, String username, String iconEmoji,
                                  String channel, Map<String, String> colors, Duration timeout) {

    private static final Pattern COLOR = Pattern.compile("#[0-9A-Fa-f]{6}");
    private static final Pattern EMOJI = Pattern.compile(":[a-z0-9_+'-]+:");

    public SlackNotifierConfig {
        Objects.requireNonNull(webhookUrl, "webhookUrl");
        Objects.requireNonNull(statusUrl, "statusUrl");
        Objects.requireNonNull(template, "template");
        Objects.requireNonNull(timeout, "timeout");
        colors = Map.copyOf(colors);
    }

    /** Reads and checks a block (reference defaults applied), throwing every problem at once. */
    public static SlackNotifierConfig read(Config config, String displayPrefix) {
        ConfigReader r = new ConfigReader(config, displayPrefix);
        URI webhookUrl = null;
        if (r.has("webhook-url")) {
            webhookUrl = httpUrl(r, "webhook-url", false);
        } else {
            r.problem("webhook-url", "expected the Slack incoming-webhook URL (https://hooks.slack.com/services/...), but the key is missing");
        }
        URI statusUrl = httpUrl(r, "status-url", true);
        String template = r.optionalString("template");
        if (template == null || template.isBlank()) {
            template = SlackTemplate.DEFAULT;
        }
        String username = blankToNull(r.optionalString("username"));
        String iconEmoji = blankToNull(r.optionalString("icon-emoji"));
        if (iconEmoji != null && !EMOJI.matcher(iconEmoji).matches()) {
            r.problem("icon-emoji", "expected an emoji name between colons such as :rotating_light:, got '" + iconEmoji + "'");
        }
        String channel = blankToNull(r.optionalString("channel"));
        Map<String, String> colors = new TreeMap<>();
        for (Severity s : Severity.values()) {
            color(r, s.configName(), colors);
        }
        color(r, "resolved", colors);
        int before = r.problems().size();
        Duration timeout = r.duration("timeout");
        if (r.problems().size() == before && timeout.isZero()) {
            r.problem("timeout", "expected a duration greater than zero, e.g. 10s");
        }
        try {
            SlackTemplate.compile(template, statusUrl == null ? "" : statusUrl.toString());
        } catch (IllegalArgumentException e) {
            r.problem("template", "expected a Mustache template: " + e.getMessage());
        }
        r.throwIfProblems();
        return new SlackNotifierConfig(webhookUrl, statusUrl, template, username, iconEmoji, channel, colors, timeout);
    }

    private static void color(ConfigReader r, String name, Map<String, String> colors) {
        String key = "colors." + name;
        String c = r.string(key);
        if (c != null && !COLOR.matcher(c).matches()) {
            r.problem(key, "expected a colour as #RRGGBB, got '" + c + "'");
        } else if (c != null) {
            colors.put(name, c.toUpperCase(Locale.ROOT));
        }
    }

    /**
     * An absolute http or https URL with a host; problems recorded, null returned. The webhook
     * URL is never echoed (it is the credential); the status URL may be, and must not contain
     * the characters that end a Slack link.
     */
    static URI httpUrl(ConfigReader r, String key, boolean echo) {
        String s = r.string(key);
        if (s == null) {
            return null;
        }
        URI uri;
        try {
            uri = new URI(s.strip());
        } catch (URISyntaxException e) {
            r.problem(key, "expected an http or https URL, but it is not a valid URL ("
                    + (echo ? e.getMessage() : e.getReason()) + ")");
            return null;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            r.problem(key, "expected an http or https URL, got scheme '" + (scheme.isEmpty() ? "(none)" : scheme) + "'");
            return null;
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            r.problem(key, "expected an http or https URL with a host name");
            return null;
        }
        if (s.indexOf('|') >= 0) {
            r.problem(key, "expected a URL without '|' (Slack link syntax)");
            return null;
        }
        return uri;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    /** Never prints the webhook URL: records print themselves into logs. */
    @Override
    public String toString() {
        return "SlackNotifierConfig[webhookUrl=****, statusUrl=" + statusUrl + ", username=" + username
                + ", iconEmoji=" + iconEmoji + ", channel=" + channel + ", colors=" + colors + ", timeout=" + timeout + "]";
    }
}
