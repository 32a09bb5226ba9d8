package io.flowwatch.runtime.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class MaskingJsonEncoderTest {

    @Test
    void aSecretThatJsonEscapesIsMaskedInMessageArgumentsAndThrowable() throws Exception {
        // Quote and backslash: inside a JSON string this secret appears only escaped.
        String secret = "pa\"ss\\w0rd-MaskingJsonEncoderTest";
        SecretMasker.register(secret);
        LoggerContext lc = (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
        MaskingJsonEncoder encoder = new MaskingJsonEncoder();
        encoder.setContext(lc);
        encoder.setWithFormattedMessage(true);
        encoder.start();
        LoggingEvent event = new LoggingEvent("x", lc.getLogger("io.flowwatch.test"), Level.WARN, "login with {} failed",
                new IllegalStateException("refused " + secret), new Object[] {secret});

        String line = new String(encoder.encode(event), StandardCharsets.UTF_8);
        JsonNode json = new ObjectMapper().readTree(line);
        assertThat(line).doesNotContain("w0rd");
        assertThat(json.path("formattedMessage").asText()).isEqualTo("login with **** failed");
        assertThat(json.path("arguments").toString()).contains("****");
        assertThat(json.path("throwable").path("message").asText()).isEqualTo("refused ****");
        assertThat(json.path("level").asText()).isEqualTo("WARN");
    }
}
