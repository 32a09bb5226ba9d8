package io.flowwatch.plugin.alertmanager;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.flowwatch.api.config.ConfigReader;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * One {@code alertmanager} notifier block, parsed and checked.
 *
 * @param alertsUri  {@code <url>/api/v2/alerts}
 * @param username   basic-auth user, or null
 * @param password   basic-auth password (a secret), or null
 * @param headers    extra request headers
 * @param timeout    the timeout of one POST
 * @param firingTtl  endsAt distance for firing alerts, or null to leave endsAt out
 * @param statusUrl  the generatorURL, ending in '/'
 */
public record AlertmanagerNotifierConfig(URI alertsUri, String username, String password, Map<String, String> headers,
                                         Duration timeout, Duration firingTtl, String statusUrl) {

    /** Headers the HTTP client sets itself (and refuses to take from the caller). */
    private static final Set<String> RESTRICTED = Set.of("connection", "content-length", "expect", "host", "upgrade");

    public AlertmanagerNotifierConfig {
        Objects.requireNonNull(alertsUri, "alertsUri");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(statusUrl, "statusUrl");
        headers = Map.copyOf(headers);
    }

    @Override
    public String toString() {
        // Never print the password or header values (they may hold tokens).
        return "AlertmanagerNotifierConfig[" + alertsUri + ", user=" + username + ", headers=" + headers.keySet() + "]";
    }

    static AlertmanagerNotifierConfig read(Config config, String displayPrefix) {
        ConfigReader r = new ConfigReader(config, displayPrefix);
        URI base = r.parsed("url", "an absolute http or https URL", AlertmanagerNotifierConfig::httpUri);
        String username = r.optionalString("username");
        String password = r.optionalString("password");
        if ((username == null) != (password == null)) {
            // Located at the key that is set: the missing one has no line to point at.
            r.problem(username == null ? "password" : "username",
                    "expected username and password together (basic auth), or neither; " + (username == null ? "username" : "password") + " is missing");
        }
        if (username != null && username.contains(":")) {
            r.problem("username", "expected a user name without ':' (basic auth cannot carry it)");
        }
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (r.has("headers")) {
            try {
                for (Map.Entry<String, ConfigValue> e : config.getObject("headers").entrySet()) {
                    String name = e.getKey();
                    ConfigValue v = e.getValue();
                    if (v.valueType() != ConfigValueType.STRING && v.valueType() != ConfigValueType.NUMBER
                            && v.valueType() != ConfigValueType.BOOLEAN) {
                        r.problem("headers", "expected header values as strings, got " + v.valueType().name().toLowerCase() + " for " + name);
                    } else if (!name.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+") || RESTRICTED.contains(name.toLowerCase())) {
                        r.problem("headers", "expected HTTP header names that the client may set, got '" + name + "'");
                    } else if (String.valueOf(v.unwrapped()).chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7f)) {
                        r.problem("headers", "expected header values without control characters (" + name + ")");
                    } else {
                        headers.put(name, String.valueOf(v.unwrapped()));
                    }
                }
            } catch (ConfigException.WrongType e) {
                r.problem("headers", "expected an object of header names to values, e.g. { \"X-Scope-OrgID\" = \"team-a\" }");
            }
            if (username != null && headers.containsKey("Authorization")) {
                r.problem("headers", "expected either username/password or an Authorization header, not both");
            }
        }
        int before = r.problems().size();
        Duration timeout = r.duration("timeout");
        if (r.problems().size() == before && timeout.isZero()) {
            r.problem("timeout", "expected a duration greater than zero, e.g. 10s");
        }
        before = r.problems().size();
        Duration firingTtl = r.has("firing-ttl") ? r.duration("firing-ttl") : null;
        if (firingTtl != null && r.problems().size() == before && firingTtl.isZero()) {
            r.problem("firing-ttl", "expected a duration greater than zero, e.g. 4h, or null");
        }
        String statusUrl = r.parsed("status-url", "an absolute http or https URL", s -> httpUri(s).toString());
        r.throwIfProblems();
        String b = base.toString();
        URI alerts = URI.create((b.endsWith("/") ? b.substring(0, b.length() - 1) : b) + "/api/v2/alerts");
        return new AlertmanagerNotifierConfig(alerts, username, password, headers, timeout, firingTtl,
                statusUrl.endsWith("/") ? statusUrl : statusUrl + "/");
    }

    static URI httpUri(String s) {
        URI u = URI.create(s);
        if (!u.isAbsolute() || u.getHost() == null || !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))) {
            throw new IllegalArgumentException("not an absolute http(s) URL: '" + s + "'");
        }
        if (u.getRawQuery() != null || u.getRawFragment() != null) {
            throw new IllegalArgumentException("a base URL without ?query or #fragment: '" + s + "'");
        }
        return u;
    }
}
