package io.flowwatch.runtime.logging;

import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;

import java.nio.charset.Charset;

/**
 * The pattern encoder with secrets masked in the whole line: message, and also the stack trace
 * of an exception whose message holds a secret, which {@code %maskedMsg} alone does not reach.
 */
public final class MaskingPatternLayoutEncoder extends PatternLayoutEncoder {
    @Override
    public byte[] encode(ILoggingEvent event) {
        Charset cs = getCharset() == null ? Charset.defaultCharset() : getCharset();
        return SecretMasker.maskBytes(super.encode(event), cs, false);
    }
}
