package io.flowwatch.runtime.config;

/** Where the HTTP endpoint (/metrics, /health, status page) listens. */
public record HttpConfig(boolean enabled, String bind, int port) {
    public HttpConfig {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535");
        }
    }
}
