package io.flowwatch.plugin.email;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import io.flowwatch.api.notify.Alert;
import io.flowwatch.api.notify.DeliveryResult;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static io.flowwatch.plugin.email.MailTestSupport.FROM;
import static io.flowwatch.plugin.email.MailTestSupport.PASSWORD;
import static io.flowwatch.plugin.email.MailTestSupport.TO;
import static io.flowwatch.plugin.email.MailTestSupport.USER;
import static io.flowwatch.plugin.email.MailTestSupport.alert;
import static org.assertj.core.api.Assertions.assertThat;

/** SMTPS against GreenMail, STARTTLS against {@link ScriptedSmtpServer}: trust comes from the truststore key only. */
class EmailNotifierTlsTest {

    @RegisterExtension
    static GreenMailExtension greenMail = MailTestSupport.greenMail("smtps");

    private String smtps(String extra) {
        return """
                smtp-host = 127.0.0.1
                smtp-port = %d
                security = tls
                username = %s
                password = "%s"
                from = "%s"
                to = ["%s"]
                timeout = 5s
                %s
                """.formatted(greenMail.getSmtps().getPort(), USER, PASSWORD, FROM, TO, extra);
    }

    private static String truststore() {
        return "truststore = \"" + MailTestSupport.resource("tls/trust.p12") + "\"\ntruststore-password = changeit";
    }

    @Test
    void smtpsDeliversWhenTheServerCertificateIsInTheTruststore() throws Exception {
        DeliveryResult r = MailTestSupport.notifier(smtps(truststore())).deliver(alert(Alert.State.FIRING, "over TLS"));

        assertThat(r.outcome()).as(r.detail()).isEqualTo(DeliveryResult.Outcome.DELIVERED);
        MimeMessage[] m = greenMail.getReceivedMessages();
        assertThat(m).hasSize(1);
        assertThat(m[0].getSubject()).endsWith(": over TLS");
    }

    @Test
    void smtpsWithAnUntrustedCertificateSendsNothingAndIsRetried() {
        DeliveryResult r = MailTestSupport.notifier(smtps("")).deliver(alert(Alert.State.FIRING, "over TLS"));

        assertThat(r.outcome()).isEqualTo(DeliveryResult.Outcome.RETRY);
        assertThat(r.detail()).contains("TLS failure");
        assertThat(greenMail.getReceivedMessages()).isEmpty();
    }

    @Test
    void startTlsUpgradesBeforeAnyMailCommand() throws Exception {
        try (ScriptedSmtpServer server = new ScriptedSmtpServer(true)) {
            DeliveryResult r = MailTestSupport.notifier("""
                    smtp-host = 127.0.0.1
                    smtp-port = %d
                    from = "%s"
                    to = ["%s"]
                    timeout = 5s
                    %s
                    """.formatted(server.port(), FROM, TO, truststore())).deliver(alert(Alert.State.FIRING, "upgraded"));

            assertThat(r.outcome()).as(r.detail()).isEqualTo(DeliveryResult.Outcome.DELIVERED);
            assertThat(server.commands).filteredOn(c -> !c.tls()).extracting(c -> c.line().split(" ")[0])
                    .containsExactly("EHLO", "STARTTLS");
            assertThat(server.commands).filteredOn(ScriptedSmtpServer.Command::tls).extracting(c -> c.line().split(":")[0].split(" ")[0])
                    .containsSubsequence("EHLO", "MAIL", "RCPT", "DATA");
            assertThat(server.messages).singleElement().asString().contains("Subject: [FIRING] high ssh-brute", "upgraded");
        }
    }

    @Test
    void startTlsIsRequiredNotOptional() throws Exception {
        try (ScriptedSmtpServer server = new ScriptedSmtpServer(false)) {
            DeliveryResult r = MailTestSupport.notifier("""
                    smtp-host = 127.0.0.1
                    smtp-port = %d
                    username = %s
                    password = "%s"
                    from = "%s"
                    to = ["%s"]
                    """.formatted(server.port(), USER, PASSWORD, FROM, TO)).deliver(alert(Alert.State.FIRING, "x"));

            assertThat(r.outcome()).isEqualTo(DeliveryResult.Outcome.PERMANENT_FAILURE);
            assertThat(r.detail()).contains("STARTTLS");
            // Nothing after EHLO in clear text: no AUTH (password), no MAIL; the client hangs up.
            assertThat(server.commands).extracting(ScriptedSmtpServer.Command::line).singleElement().asString().startsWith("EHLO ");
            assertThat(server.messages).isEmpty();
        }
    }
}
