package io.flowwatch.plugin.webhook;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.flowwatch.api.config.ConfigReader;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A webhook notifier's settings.
 *
 * @param url        where alerts are posted; http or https
 * @param hmacSecret the HMAC-SHA256 key, or null to send unsigned requests
 * @param headers    extra request headers, sorted by name (HOCON objects keep no order)
 * @param timeout    for connecting and, separately, for the whole exchange
 */
public record WebhookNotifierConfig(URI url, String hmacSecret, Map<String, String> headers, Duration timeout) {

    /** RFC 9110 token characters: anything else cannot be a header name. */
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    /** Headers java.net.http sets itself and refuses, plus the ones this notifier owns. */
    private static final Set<String> RESERVED = Set.of("connection", "content-length", "expect", "host", "upgrade",
            "content-type", "x-flowwatch-signature", "x-flowwatch-timestamp");

    public WebhookNotifierConfig {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(timeout, "timeout");
        headers = Collections.unmodifiableMap(new TreeMap<>(headers));
    }

    /** Reads and checks a block (reference defaults applied), throwing every problem at once. */
    public static WebhookNotifierConfig read(Config config, String displayPrefix) {
        ConfigReader r = new ConfigReader(config, displayPrefix);
        URI url = null;
        if (r.has("url")) {
            url = httpUrl(r, "url");
        } else {
            r.problem("url", "expected the http or https URL to post alerts to, but the key is missing");
        }
        String secret = r.optionalString("hmac-secret");
        if (secret != null && secret.isEmpty()) {
            r.problem("hmac-secret", "expected a non-empty key, or null for unsigned requests");
        }
        int before = r.problems().size();
        Duration timeout = r.duration("timeout");
        if (r.problems().size() == before && timeout.isZero()) {
            r.problem("timeout", "expected a duration greater than zero, e.g. 10s");
        }
        Map<String, String> headers = headers(r);
        r.throwIfProblems();
        return new WebhookNotifierConfig(url, secret, headers, timeout);
    }

    /** An absolute http or https URL with a host; problems are recorded, null returned. */
    static URI httpUrl(ConfigReader r, String key) {
        String s = r.string(key);
        if (s == null) {
            return null;
        }
        // Never echo the URL in the message: it is a secret (often a token in the path).
        URI uri;
        try {
            uri = new URI(s.strip());
        } catch (URISyntaxException e) {
            r.problem(key, "expected an http or https URL, but it is not a valid URL (" + e.getReason() + ")");
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
        return uri;
    }

    private static Map<String, String> headers(ConfigReader r) {
        Map<String, String> headers = new TreeMap<>();
        Config config = r.config();
        if (!config.hasPath("headers")) {
            return headers;
        }
        if (config.getValue("headers").valueType() != ConfigValueType.OBJECT) {
            r.problem("headers", "expected an object of header name = value, e.g. headers { Authorization = \"Bearer ...\" }");
            return headers;
        }
        Set<String> seen = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        for (Map.Entry<String, ConfigValue> e : config.getObject("headers").entrySet()) {
            String name = e.getKey();
            String key = ConfigUtil.joinPath("headers", name);
            ConfigValue v = e.getValue();
            if (!TOKEN.matcher(name).matches()) {
                r.problem(key, "expected a header name (letters, digits and !#$%&'*+.^_`|~-), got '" + name + "'");
            } else if (RESERVED.contains(name.toLowerCase(Locale.ROOT))) {
                r.problem(key, "this header is set by the notifier or the HTTP client and cannot be configured");
            } else if (!seen.add(name)) {
                r.problem(key, "given twice (header names ignore case)");
            } else if (v.valueType() == ConfigValueType.OBJECT || v.valueType() == ConfigValueType.LIST
                    || v.valueType() == ConfigValueType.NULL) {
                r.problem(key, "expected a string value (quote names that contain dots)");
            } else {
                String value = String.valueOf(v.unwrapped());
                // A line break would split the request; the client refuses it anyway, but late.
                if (value.chars().anyMatch(c -> c == '\r' || c == '\n' || c == 0)) {
                    r.problem(key, "expected a value on one line (no CR, LF or NUL)");
                } else {
                    headers.put(name, value);
                }
            }
        }
        return headers;
    }

    /** Never prints the URL, the key or header values: records print themselves into logs. */
    @Override
    public String toString() {
        return "WebhookNotifierConfig[url=****, hmacSecret=" + (hmacSecret == null ? "none" : "****")
                + ", headers=" + headers.keySet() + ", timeout=" + timeout + "]";
    }
}
