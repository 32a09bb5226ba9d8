package io.flowwatch.plugin.email;

import io.flowwatch.api.FlowwatchException;
import io.flowwatch.api.notify.Alert;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Properties;

import static io.flowwatch.plugin.email.MailTestSupport.block;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class EmailNotifierConfigTest {

    private static EmailNotifierConfig read(String hocon) {
        return ((EmailNotifier) new EmailNotifierFactory().create(block(hocon), MailTestSupport.context())).config();
    }

    @Test
    void defaultsComeFromReferenceConf() {
        EmailNotifierConfig c = read("""
                smtp-host = smtp.example.com
                from = "alerts@example.com"
                to = ["oncall@example.com"]
                """);

        assertThat(c.port()).isEqualTo(587);
        assertThat(c.security()).isEqualTo(EmailNotifierConfig.Security.STARTTLS);
        assertThat(c.username()).isNull();
        assertThat(c.cc()).isEmpty();
        assertThat(c.timeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.statusUrl()).isEqualTo("http://127.0.0.1:9464/");
        assertThat(c.truststore()).isNull();
        assertThat(c.subjectTemplate()).isEqualTo(EmailTemplates.DEFAULT_SUBJECT);
        assertThat(read("smtp-host = h, security = tls, from = \"a@b.c\", to = [\"d@e.f\"]").port()).isEqualTo(465);
    }

    @Test
    void startTlsIsRequiredAndTimeoutsAreSetInTheSession() {
        Properties p = EmailNotifier.sessionProperties(read("""
                smtp-host = smtp.example.com
                from = "alerts@example.com"
                to = ["oncall@example.com"]
                timeout = 7s
                """));

        assertThat(p).containsEntry("mail.smtp.starttls.enable", "true").containsEntry("mail.smtp.starttls.required", "true")
                .containsEntry("mail.smtp.ssl.checkserveridentity", "true")
                .containsEntry("mail.smtp.connectiontimeout", "7000").containsEntry("mail.smtp.timeout", "7000")
                .containsEntry("mail.smtp.writetimeout", "7000").containsEntry("mail.smtp.sendpartial", "false");
    }

    @Test
    void everyProblemIsReportedAtOnceWithFileLineAndKey() {
        FlowwatchException e = catchThrowableOfType(FlowwatchException.class, () -> new EmailNotifierFactory().create(block("""
                smtp-port = 70000
                security = ssl
                username = alerts
                from = "not an address"
                to = ["ok@example.com", "bad@@example.com", "two@example.com, three@example.com"]
                cc = ["no-domain"]
                subject-template = "{{#labels}}{{key}}"
                text-template = "{{nosuchname}}"
                timeout = soon
                status-url = "ftp://example.com/"
                truststore = "/no/such/truststore.p12"
                """), MailTestSupport.context()));

        assertThat(e.problems()).extracting(FlowwatchException.Problem::key).containsExactlyInAnyOrder(
                "flowwatch.notifiers.oncall.smtp-host",
                "flowwatch.notifiers.oncall.smtp-port",
                "flowwatch.notifiers.oncall.security",
                "flowwatch.notifiers.oncall.password",
                "flowwatch.notifiers.oncall.from",
                "flowwatch.notifiers.oncall.to",
                "flowwatch.notifiers.oncall.to",
                "flowwatch.notifiers.oncall.cc",
                "flowwatch.notifiers.oncall.subject-template",
                "flowwatch.notifiers.oncall.text-template",
                "flowwatch.notifiers.oncall.timeout",
                "flowwatch.notifiers.oncall.status-url",
                "flowwatch.notifiers.oncall.truststore");
        assertThat(e.problems()).filteredOn(p -> p.key().endsWith(".smtp-port")).singleElement()
                .extracting(FlowwatchException.Problem::origin).isEqualTo("agent.conf:1");
        assertThat(e.problems()).filteredOn(p -> p.key().endsWith(".from")).singleElement().satisfies(p -> {
            assertThat(p.origin()).isEqualTo("agent.conf:4");
            assertThat(p.message()).contains("not an address");
        });
        assertThat(e.problems()).filteredOn(p -> p.key().endsWith(".to")).extracting(FlowwatchException.Problem::message)
                .anySatisfy(m -> assertThat(m).contains("bad@@example.com"))
                .anySatisfy(m -> assertThat(m).contains("expected one email address, got 2"));
        assertThat(e.problems()).filteredOn(p -> p.key().endsWith(".text-template")).singleElement()
                .satisfies(p -> assertThat(p.message()).contains("nosuchname"));
        assertThat(e.getMessage()).contains("agent.conf:9", "soon");
    }

    @Test
    void passwordIsASecretAndNeverPrinted() {
        assertThat(new EmailNotifierFactory().secretKeys()).contains("password", "truststore-password");
        EmailNotifierConfig c = read("""
                smtp-host = smtp.example.com
                username = u
                password = "hunter2-secret"
                from = "alerts@example.com"
                to = ["oncall@example.com"]
                """);
        assertThat(c.toString()).doesNotContain("hunter2-secret");
    }

    @Test
    void emptyRecipientListIsAProblem() {
        FlowwatchException e = catchThrowableOfType(FlowwatchException.class, () -> read("""
                smtp-host = smtp.example.com
                from = "alerts@example.com"
                to = []
                """));
        assertThat(e.problems()).singleElement().satisfies(p -> {
            assertThat(p.key()).isEqualTo("flowwatch.notifiers.oncall.to");
            assertThat(p.origin()).isEqualTo("agent.conf:3");
        });
    }

    @Test
    void aMessageCanBeBuiltWithoutAServer() throws Exception {
        EmailNotifier n = (EmailNotifier) new EmailNotifierFactory().create(block("""
                smtp-host = smtp.example.com
                from = "alerts@example.com"
                to = ["oncall@example.com"]
                """), MailTestSupport.context());
        MimeMessage m = n.message(MailTestSupport.alert(Alert.State.RESOLVED, "x"));
        assertThat(m.getMessageID()).endsWith(".resolved@example.com>");
    }
}
