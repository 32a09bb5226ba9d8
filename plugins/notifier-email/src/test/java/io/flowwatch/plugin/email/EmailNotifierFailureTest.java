package io.flowwatch.plugin.email;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import io.flowwatch.api.notify.Alert;
import io.flowwatch.api.notify.DeliveryResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.flowwatch.plugin.email.MailTestSupport.FROM;
import static io.flowwatch.plugin.email.MailTestSupport.PASSWORD;
import static io.flowwatch.plugin.email.MailTestSupport.TO;
import static io.flowwatch.plugin.email.MailTestSupport.USER;
import static io.flowwatch.plugin.email.MailTestSupport.alert;
import static org.assertj.core.api.Assertions.assertThat;

/** Each receiver failure maps to the outcome the dispatcher needs, and nothing is thrown. */
class EmailNotifierFailureTest {

    @RegisterExtension
    static GreenMailExtension greenMail = MailTestSupport.greenMail("smtp");

    private static String plain(int port, String extra) {
        return """
                smtp-host = 127.0.0.1
                smtp-port = %d
                security = none
                from = "%s"
                to = ["%s"]
                timeout = 2s
                %s
                """.formatted(port, FROM, TO, extra);
    }

    @Test
    void wrongPasswordIsPermanentAndTheDetailHasNoSecret() {
        DeliveryResult r = MailTestSupport.notifier(plain(greenMail.getSmtp().getPort(),
                "username = " + USER + "\npassword = wrong-" + PASSWORD)).deliver(alert(Alert.State.FIRING, "x"));

        assertThat(r.outcome()).isEqualTo(DeliveryResult.Outcome.PERMANENT_FAILURE);
        assertThat(r.detail()).contains("535").doesNotContain(PASSWORD);
        assertThat(greenMail.getReceivedMessages()).isEmpty();
    }

    @Test
    void serverDownIsRetried() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        DeliveryResult r = MailTestSupport.notifier(plain(port, "")).deliver(alert(Alert.State.FIRING, "x"));

        assertThat(r.outcome()).isEqualTo(DeliveryResult.Outcome.RETRY);
        assertThat(r.detail()).contains("connection refused");
        assertThat(r.retryAfter()).isNull();
    }

    @Test
    void silentServerTimesOutAndIsRetried() throws Exception {
        List<Socket> accepted = new ArrayList<>();
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try {
                    accepted.add(s.accept()); // never sends the 220 greeting
                } catch (Exception e) {
                    // closed by the test
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            long start = System.nanoTime();
            DeliveryResult r = MailTestSupport.notifier(plain(s.getLocalPort(), "timeout = 500ms")).deliver(alert(Alert.State.FIRING, "x"));

            assertThat(r.outcome()).isEqualTo(DeliveryResult.Outcome.RETRY);
            assertThat(r.detail()).contains("timed out");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        } finally {
            for (Socket a : accepted) {
                a.close();
            }
        }
    }

    @Test
    void unknownRecipientIsPermanentAndNothingIsSentToTheOthers() throws Exception {
        try (ScriptedSmtpServer server = new ScriptedSmtpServer(false)) {
            server.rcptReply("gone@example.com", "550 5.1.1 user unknown");
            DeliveryResult r = MailTestSupport.notifier(plain(server.port(), "cc = [\"gone@example.com\"]"))
                    .deliver(alert(Alert.State.FIRING, "x"));

            assertThat(r.outcome()).isEqualTo(DeliveryResult.Outcome.PERMANENT_FAILURE);
            assertThat(r.detail()).contains("550");
            assertThat(server.messages).isEmpty();
            assertThat(server.commands).extracting(ScriptedSmtpServer.Command::line).noneMatch(l -> l.startsWith("DATA"));
        }
    }

    @Test
    void transientRecipientRefusalIsRetried() throws Exception {
        try (ScriptedSmtpServer server = new ScriptedSmtpServer(false)) {
            server.rcptReply("gone@example.com", "550 5.1.1 user unknown").rcptReply(TO, "451 4.3.0 try again later");
            DeliveryResult r = MailTestSupport.notifier(plain(server.port(), "cc = [\"gone@example.com\"]"))
                    .deliver(alert(Alert.State.FIRING, "x"));

            // A 4xx on any recipient wins: the retry may pass once the server recovers.
            assertThat(r.outcome()).isEqualTo(DeliveryResult.Outcome.RETRY);
            assertThat(r.detail()).contains("451");
            assertThat(server.messages).isEmpty();
        }
    }

    @Test
    void mailboxFullOnRcptIsTransientAsRfc5321Says() throws Exception {
        try (ScriptedSmtpServer server = new ScriptedSmtpServer(false)) {
            server.rcptReply(TO, "552 5.2.2 mailbox full");
            DeliveryResult r = MailTestSupport.notifier(plain(server.port(), "")).deliver(alert(Alert.State.FIRING, "x"));

            assertThat(r.outcome()).isEqualTo(DeliveryResult.Outcome.RETRY);
        }
    }

    @Test
    void acceptedByTheScriptedServerToo() throws Exception {
        // The scripted server accepts by default: the refusals above are the server's, not the notifier's.
        try (ScriptedSmtpServer server = new ScriptedSmtpServer(false)) {
            DeliveryResult r = MailTestSupport.notifier(plain(server.port(), "cc = [\"gone@example.com\"]"))
                    .deliver(alert(Alert.State.FIRING, "x"));

            assertThat(r.outcome()).as(r.detail()).isEqualTo(DeliveryResult.Outcome.DELIVERED);
            assertThat(server.messages).hasSize(1);
        }
    }
}
