package io.flowwatch.api.rule;

import java.util.Locale;

/** How urgent an alert is; config and output use the lower-case names. */
public enum Severity {
    INFO, LOW, MEDIUM, HIGH, CRITICAL;

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Severity fromConfigName(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
