package io.flowwatch.runtime.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Where the HTTP endpoint (/metrics, /health, status page) listens, and how it is protected.
 *
 * @param basicAuth null: no authentication
 * @param tls       null: plain HTTP
 */
public record HttpConfig(boolean enabled, String bind, int port, BasicAuth basicAuth, Tls tls, Health health) {

    /**
     * When {@code /health} calls a source down (503) or lagging.
     *
     * @param downAfter how long a source may fail before {@code /health} answers 503
     * @param maxLag    newest record older than this: "lagging" (still 200); zero: never
     */
    public record Health(Duration downAfter, Duration maxLag) {
        public static final Health DEFAULTS = new Health(Duration.ofSeconds(60), Duration.ZERO);

        public Health {
            Objects.requireNonNull(downAfter, "downAfter");
            Objects.requireNonNull(maxLag, "maxLag");
        }
    }

    /** HTTP basic authentication with one user. {@link #toString} never shows the password. */
    public record BasicAuth(String username, String password) {
        public BasicAuth {
            Objects.requireNonNull(username, "username");
            Objects.requireNonNull(password, "password");
            if (username.isEmpty() || username.contains(":")) {
                throw new IllegalArgumentException("username must be non-empty and without ':'");
            }
        }

        @Override
        public String toString() {
            return "BasicAuth[username=" + username + ", password=****]";
        }
    }

    /** HTTPS with the key and certificate chain from a PKCS12 keystore. {@link #toString} never shows the password. */
    public record Tls(Path keystore, String keystorePassword) {
        public Tls {
            Objects.requireNonNull(keystore, "keystore");
            Objects.requireNonNull(keystorePassword, "keystorePassword");
        }

        @Override
        public String toString() {
            return "Tls[keystore=" + keystore + ", keystorePassword=****]";
        }
    }

    public HttpConfig {
        Objects.requireNonNull(health, "health");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535");
        }
    }

    /** Plain HTTP without authentication. */
    public HttpConfig(boolean enabled, String bind, int port) {
        this(enabled, bind, port, null, null);
    }

    /** With the default health thresholds. */
    public HttpConfig(boolean enabled, String bind, int port, BasicAuth basicAuth, Tls tls) {
        this(enabled, bind, port, basicAuth, tls, Health.DEFAULTS);
    }
}
