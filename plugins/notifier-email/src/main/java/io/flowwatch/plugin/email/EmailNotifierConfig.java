package io.flowwatch.plugin.email;

import com.typesafe.config.Config;
import io.flowwatch.api.config.ConfigReader;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * One {@code type = email} block, parsed and checked.
 *
 * @param port        the SMTP port: {@code smtp-port}, else 465 for {@link Security#TLS} and 587 otherwise
 * @param username    null: no SMTP AUTH
 * @param truststore  null: the JVM's default trust store; otherwise the loaded {@code truststore} file
 * @param subjectTemplate mustache source (the built-in one when not configured); so are textTemplate and htmlTemplate
 */
record EmailNotifierConfig(String host, int port, Security security, String username, String password,
                           InternetAddress from, List<InternetAddress> to, List<InternetAddress> cc,
                           String subjectTemplate, String textTemplate, String htmlTemplate,
                           Duration timeout, String statusUrl, KeyStore truststore) {

    /** How the SMTP connection is secured. */
    enum Security {
        /** Plain connect, then STARTTLS, which is required: a server that does not offer it fails the delivery. */
        STARTTLS,
        /** TLS from the first byte (SMTPS, "implicit TLS", usually port 465). */
        TLS,
        /** No TLS at all: credentials and mail travel in clear text (loopback relays only). */
        NONE
    }

    static final int DEFAULT_PORT = 587;
    static final int DEFAULT_TLS_PORT = 465;

    EmailNotifierConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(security, "security");
        Objects.requireNonNull(from, "from");
        to = List.copyOf(to);
        cc = List.copyOf(cc);
        if (to.isEmpty()) {
            throw new IllegalArgumentException("to is empty");
        }
    }

    /** Reads and checks a block (reference defaults applied), throwing every problem at once. */
    static EmailNotifierConfig read(Config config, String displayPrefix) {
        ConfigReader r = new ConfigReader(config, displayPrefix);
        String host = r.string("smtp-host");
        if (host != null && (host.isBlank() || host.chars().anyMatch(c -> c <= ' ' || c == 0x7f))) {
            r.problem("smtp-host", "expected a host name or address without spaces, got '" + host + "'");
        }
        String securityName = r.oneOf("security", Set.of("starttls", "tls", "none"));
        Security security = securityName == null ? Security.STARTTLS : Security.valueOf(securityName.toUpperCase(Locale.ROOT));
        int port = r.has("smtp-port") ? r.integer("smtp-port", 1, 65535)
                : security == Security.TLS ? DEFAULT_TLS_PORT : DEFAULT_PORT;

        String username = r.optionalString("username");
        String password = r.optionalString("password");
        if (username != null && password == null) {
            r.problem("password", "expected a password, because username is set");
        }
        if (username == null && password != null) {
            r.problem("username", "expected a username, because password is set");
        }

        InternetAddress from = r.has("from") ? address(r, "from", r.string("from")) : missing(r, "from");
        List<InternetAddress> to = addresses(r, "to", true);
        List<InternetAddress> cc = addresses(r, "cc", false);

        String subject = template(r, "subject-template", EmailTemplates.DEFAULT_SUBJECT);
        String text = template(r, "text-template", EmailTemplates.DEFAULT_TEXT);
        String html = template(r, "html-template", EmailTemplates.DEFAULT_HTML);
        int problemsBefore = r.problems().size();
        Duration timeout = r.duration("timeout");
        if (r.problems().size() == problemsBefore && (timeout.isZero() || timeout.toMillis() > Integer.MAX_VALUE)) {
            r.problem("timeout", "expected a duration from 1ms to 24d, got " + timeout);
        }
        String statusUrl = r.string("status-url");
        if (statusUrl != null) {
            try {
                URI u = new URI(statusUrl);
                if (!"http".equalsIgnoreCase(u.getScheme()) && !"https".equalsIgnoreCase(u.getScheme()) || u.getHost() == null) {
                    r.problem("status-url", "expected an http:// or https:// URL, got '" + statusUrl + "'");
                }
            } catch (java.net.URISyntaxException e) {
                r.problem("status-url", "expected an http:// or https:// URL: " + e.getMessage());
            }
        }
        KeyStore truststore = truststore(r);
        if (security == Security.NONE && truststore != null) {
            r.problem("truststore", "expected no truststore with security = none (nothing would use it)");
        }
        r.throwIfProblems();
        return new EmailNotifierConfig(host, port, security, username, password, from, to, cc,
                subject, text, html, timeout, statusUrl, truststore);
    }

    private static InternetAddress missing(ConfigReader r, String key) {
        r.problem(key, "expected an email address, but the key is missing");
        return null;
    }

    /** Strict RFC 822 parsing of exactly one address (a display name is allowed, groups and lists are not). */
    static InternetAddress address(ConfigReader r, String key, String text) {
        if (text == null) {
            return null;
        }
        try {
            InternetAddress[] parsed = InternetAddress.parse(text, true);
            if (parsed.length != 1) {
                r.problem(key, "expected one email address, got " + parsed.length + " in '" + text + "'");
                return null;
            }
            InternetAddress a = parsed[0];
            if (a.isGroup()) {
                r.problem(key, "expected an email address, got the group '" + text + "'");
                return null;
            }
            a.validate();
            if (!a.getAddress().contains("@")) {
                r.problem(key, "expected an email address with a domain (user@example.com), got '" + text + "'");
                return null;
            }
            return a;
        } catch (AddressException e) {
            r.problem(key, "expected an email address such as alerts@example.com or \"Alerts <alerts@example.com>\", got '"
                    + text + "': " + e.getMessage());
            return null;
        }
    }

    private static List<InternetAddress> addresses(ConfigReader r, String key, boolean required) {
        if (!r.has(key)) {
            if (required) {
                r.problem(key, "expected a list of email addresses, but the key is missing");
            }
            return List.of();
        }
        List<InternetAddress> out = new ArrayList<>();
        List<String> raw = r.stringList(key);
        for (int i = 0; i < raw.size(); i++) {
            InternetAddress a = address(r, key, raw.get(i));
            if (a != null) {
                out.add(a);
            }
        }
        if (required && raw.isEmpty() && r.config().getValue(key).valueType() == com.typesafe.config.ConfigValueType.LIST) {
            r.problem(key, "expected at least one email address, got an empty list");
        }
        return out;
    }

    /** A configured template, compiled and rendered once against a sample alert so mistakes surface at config time. */
    private static String template(ConfigReader r, String key, String builtIn) {
        String source = r.has(key) ? r.string(key) : builtIn;
        if (source == null) {
            return builtIn;
        }
        String problem = EmailTemplates.check(source);
        if (problem != null) {
            r.problem(key, "expected a mustache template: " + problem);
        }
        return source;
    }

    private static KeyStore truststore(ConfigReader r) {
        String file = r.optionalString("truststore");
        String password = r.optionalString("truststore-password");
        if (file == null) {
            if (password != null) {
                r.problem("truststore-password", "expected no truststore-password without a truststore");
            }
            return null;
        }
        Path path = Path.of(file);
        // KeyStore.getInstance(File, ...) would sniff the type too, but gives poor messages for a missing file.
        if (!Files.isRegularFile(path)) {
            r.problem("truststore", "expected a PKCS12 or JKS trust store file, but " + path.toAbsolutePath() + " is not a file");
            return null;
        }
        try {
            KeyStore ks = KeyStore.getInstance(path.toFile(), password == null ? null : password.toCharArray());
            if (ks.size() == 0) {
                r.problem("truststore", "expected at least one trusted certificate in " + path);
                return null;
            }
            return ks;
        } catch (IOException | GeneralSecurityException e) {
            r.problem("truststore", "cannot read " + path + " as a PKCS12 or JKS trust store: " + e.getMessage());
            return null;
        }
    }

    /** Secrets must not appear in toString (records print every component). */
    @Override
    public String toString() {
        return "EmailNotifierConfig[host=" + host + ", port=" + port + ", security=" + security
                + ", username=" + username + ", password=" + (password == null ? "null" : "***")
                + ", from=" + from + ", to=" + to + ", cc=" + cc + ", timeout=" + timeout + ", statusUrl=" + statusUrl
                + ", truststore=" + (truststore == null ? "default" : "configured") + "]";
    }
}
