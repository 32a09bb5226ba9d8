package io.flowwatch.runtime.logging;

import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;

import java.nio.charset.StandardCharsets;

/**
 * Logback's {@link JsonEncoder} with secrets masked in everything it writes: the formatted
 * message, the raw message and its arguments, exception messages. Secrets are matched as they
 * appear inside JSON strings (escaped), so a quote or backslash in a password does not let it through.
 */
public final class MaskingJsonEncoder extends JsonEncoder {
    @Override
    public byte[] encode(ILoggingEvent event) {
        return SecretMasker.maskBytes(super.encode(event), StandardCharsets.UTF_8, true);
    }
}
