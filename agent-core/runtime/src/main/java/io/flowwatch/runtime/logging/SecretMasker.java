package io.flowwatch.runtime.logging;

import ch.qos.logback.core.encoder.JsonEscapeUtil;

import java.nio.charset.Charset;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * Replaces configured secret values (webhook URLs, passwords: the keys each factory marks as
 * secret) with {@code ****} in everything flowwatch prints or logs.
 *
 * <p>Static on purpose: logback instantiates its converters itself, so the log path cannot be
 * handed an instance. It holds only values registered from config, never record data.
 */
public final class SecretMasker {

    public static final String MASK = "****";
    private static final Set<String> SECRETS = new CopyOnWriteArraySet<>();

    private SecretMasker() {
    }

    /** Registers a secret value; values shorter than 4 characters are too common to mask safely. */
    public static void register(String secret) {
        if (secret != null && secret.length() >= 4) {
            SECRETS.add(secret);
        }
    }

    public static String mask(String text) {
        if (text == null || SECRETS.isEmpty()) {
            return text;
        }
        String out = text;
        for (String s : SECRETS) {
            if (out.contains(s)) {
                out = out.replace(s, MASK);
            }
        }
        return out;
    }

    /**
     * Masks an encoded log line; with {@code json}, also each secret in its JSON-escaped form. The
     * line is returned as is (same array) when it holds no secret, the common case.
     */
    public static byte[] maskBytes(byte[] line, Charset charset, boolean json) {
        if (SECRETS.isEmpty()) {
            return line;
        }
        String text = new String(line, charset);
        String out = mask(text);
        if (json) {
            for (String s : SECRETS) {
                String escaped = JsonEscapeUtil.jsonEscapeString(s);
                if (!escaped.equals(s) && out.contains(escaped)) {
                    out = out.replace(escaped, MASK);
                }
            }
        }
        return out.equals(text) ? line : out.getBytes(charset);
    }
}
