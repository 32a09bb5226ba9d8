package io.flowwatch.plugin.email;

import com.icegreen.greenmail.junit5.GreenMailExtension;
import io.flowwatch.api.notify.Alert;
import io.flowwatch.api.notify.DeliveryResult;
import io.flowwatch.api.notify.Notifier;
import jakarta.mail.BodyPart;
import jakarta.mail.Message;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static io.flowwatch.plugin.email.MailTestSupport.FROM;
import static io.flowwatch.plugin.email.MailTestSupport.PASSWORD;
import static io.flowwatch.plugin.email.MailTestSupport.TO;
import static io.flowwatch.plugin.email.MailTestSupport.USER;
import static io.flowwatch.plugin.email.MailTestSupport.alert;
import static org.assertj.core.api.Assertions.assertThat;

/** Plain SMTP with AUTH against GreenMail: what arrives, byte for byte where it matters. */
class EmailNotifierDeliveryTest {

    @RegisterExtension
    static GreenMailExtension greenMail = MailTestSupport.greenMail("smtp");

    private Notifier notifier(String extra) {
        return MailTestSupport.notifier("""
                smtp-host = 127.0.0.1
                smtp-port = %d
                security = none
                username = %s
                password = "%s"
                from = "flowwatch <%s>"
                to = ["%s"]
                status-url = "http://flowwatch.example:9464/"
                %s
                """.formatted(greenMail.getSmtp().getPort(), USER, PASSWORD, FROM, TO, extra));
    }

    private static String raw(MimeMessage m) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        m.writeTo(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String headerBlock(String raw) {
        return raw.substring(0, raw.indexOf("\r\n\r\n") + 2);
    }

    @Test
    void firingAlertArrivesAsTextAndHtmlWithHeadersAndEscapedFields() throws Exception {
        DeliveryResult r = notifier("cc = [\"team@example.com\"]").deliver(alert(Alert.State.FIRING, "SSH brute force"));

        assertThat(r.outcome()).as(r.detail()).isEqualTo(DeliveryResult.Outcome.DELIVERED);
        MimeMessage[] received = greenMail.getReceivedMessages();
        assertThat(received).hasSize(2); // one copy per recipient: To and Cc
        MimeMessage m = received[0];
        assertThat(m.getFrom()).containsExactly(new InternetAddress("flowwatch <" + FROM + ">"));
        assertThat(Arrays.stream(m.getRecipients(Message.RecipientType.TO)).map(a -> ((InternetAddress) a).getAddress()))
                .containsExactly(TO);
        assertThat(Arrays.stream(m.getRecipients(Message.RecipientType.CC)).map(a -> ((InternetAddress) a).getAddress()))
                .containsExactly("team@example.com");
        assertThat(m.getSubject()).isEqualTo("[FIRING] high ssh-brute note=<b>&\"x\"</b> srcaddr=203.0.113.9: SSH brute force");
        assertThat(m.getHeader("X-Flowwatch-Alert-Id", null)).isEqualTo("ssh-brute|203.0.113.9|1714564800");
        assertThat(m.getHeader("X-Flowwatch-Rule", null)).isEqualTo("ssh-brute");
        assertThat(m.getHeader("X-Flowwatch-State", null)).isEqualTo("firing");
        assertThat(m.getHeader("X-Flowwatch-Severity", null)).isEqualTo("high");
        assertThat(m.getHeader("Auto-Submitted", null)).isEqualTo("auto-generated");
        String root = "<" + EmailNotifier.token("ssh-brute|203.0.113.9|1714564800") + "@flowwatch.example>";
        assertThat(m.getHeader("In-Reply-To", null)).isEqualTo(root);
        assertThat(m.getHeader("References", null)).isEqualTo(root);
        assertThat(m.getMessageID()).matches("<fw\\.[0-9a-f]{32}\\.firing\\.[0-9a-f-]{36}@flowwatch\\.example>");

        assertThat(m.getContentType()).startsWith("multipart/alternative");
        MimeMultipart mp = (MimeMultipart) m.getContent();
        assertThat(mp.getCount()).isEqualTo(2);
        BodyPart text = mp.getBodyPart(0);
        BodyPart html = mp.getBodyPart(1);
        assertThat(text.getContentType()).isEqualToIgnoringCase("text/plain; charset=UTF-8");
        assertThat(html.getContentType()).isEqualToIgnoringCase("text/html; charset=UTF-8");

        String t = (String) text.getContent();
        assertThat(t).contains("FIRING: ssh-brute (severity high)", "SSH brute force",
                "Many rejected SSH connections <from> one source", "Value:      42 (threshold 10)",
                "Started at: 2024-05-01T11:55:00Z", "srcaddr = 203.0.113.9", "note = <b>&\"x\"</b>",
                "srcaddr=203.0.113.9 dstport=22 action=REJECT<script>",
                "Alert id: ssh-brute|203.0.113.9|1714564800", "Status:   http://flowwatch.example:9464/")
                .doesNotContain("Resolved");

        String h = (String) html.getContent();
        assertThat(h).contains("FIRING: ssh-brute", "<b>high</b>", "42 (threshold 10)", "2024-05-01T11:55:00Z",
                "Many rejected SSH connections &lt;from&gt; one source",
                "<code>&lt;b&gt;&amp;&quot;x&quot;&lt;/b&gt;</code>",
                "srcaddr: 203.0.113.9  dstport: 22  action: REJECT&lt;script&gt;",
                "<a href=\"http://flowwatch.example:9464/\">")
                .doesNotContain("<script>", "<b>&", "REJECT<");
    }

    @Test
    void resolvedMailThreadsUnderTheFiringMail() throws Exception {
        Notifier n = notifier("");
        assertThat(n.deliver(alert(Alert.State.FIRING, "SSH brute force")).outcome()).isEqualTo(DeliveryResult.Outcome.DELIVERED);
        assertThat(n.deliver(alert(Alert.State.FIRING, "SSH brute force")).outcome()).isEqualTo(DeliveryResult.Outcome.DELIVERED);
        assertThat(n.deliver(alert(Alert.State.RESOLVED, "SSH brute force")).outcome()).isEqualTo(DeliveryResult.Outcome.DELIVERED);

        MimeMessage[] m = greenMail.getReceivedMessages();
        assertThat(m).hasSize(3);
        String root = m[0].getHeader("References", null);
        assertThat(root).matches("<fw\\.[0-9a-f]{32}@flowwatch\\.example>");
        // A reminder is a new message (its own id), in the same thread.
        assertThat(m[1].getMessageID()).isNotEqualTo(m[0].getMessageID());
        assertThat(m[1].getHeader("In-Reply-To", null)).isEqualTo(root);
        MimeMessage resolved = m[2];
        assertThat(resolved.getSubject()).startsWith("[RESOLVED] high ssh-brute ");
        assertThat(resolved.getHeader("X-Flowwatch-State", null)).isEqualTo("resolved");
        assertThat(resolved.getHeader("In-Reply-To", null)).isEqualTo(root);
        assertThat(resolved.getHeader("References", null)).isEqualTo(root);
        assertThat(resolved.getMessageID()).isEqualTo(root.replace("@", ".resolved@"));
        String text = (String) ((MimeMultipart) resolved.getContent()).getBodyPart(0).getContent();
        assertThat(text).contains("RESOLVED: ssh-brute", "Resolved:   2024-05-01T12:10:00Z");
    }

    @Test
    void crLfInTheSummaryCannotAddHeadersOrRecipients() throws Exception {
        DeliveryResult r = notifier("").deliver(alert(Alert.State.FIRING, "Brute force\r\nBcc: victim@example.com"));

        assertThat(r.outcome()).isEqualTo(DeliveryResult.Outcome.DELIVERED);
        MimeMessage[] received = greenMail.getReceivedMessages();
        assertThat(received).hasSize(1); // no extra RCPT for an injected Bcc
        MimeMessage m = received[0];
        assertThat(m.getSubject())
                .isEqualTo("[FIRING] high ssh-brute note=<b>&\"x\"</b> srcaddr=203.0.113.9: Brute force Bcc: victim@example.com");
        assertThat(m.getHeader("Bcc")).isNull();
        String headers = headerBlock(raw(m));
        assertThat(headers.lines()).noneMatch(l -> l.regionMatches(true, 0, "Bcc:", 0, 4));
        assertThat(Arrays.stream(m.getAllRecipients()).map(a -> ((InternetAddress) a).getAddress())).containsExactly(TO);
    }

    @Test
    void nonAsciiSubjectIsRfc2047EncodedOnTheWire() throws Exception {
        DeliveryResult r = notifier("subject-template = \"{{STATE}} Überwachung: {{summary}}\"")
                .deliver(alert(Alert.State.FIRING, "Zugriff verweigert \u2014 日本"));

        assertThat(r.outcome()).isEqualTo(DeliveryResult.Outcome.DELIVERED);
        MimeMessage m = greenMail.getReceivedMessages()[0];
        assertThat(m.getSubject()).isEqualTo("FIRING Überwachung: Zugriff verweigert \u2014 日本");
        String subjectLine = headerBlock(raw(m)).lines().dropWhile(l -> !l.startsWith("Subject:"))
                .takeWhile(l -> l.startsWith("Subject:") || l.startsWith(" ") || l.startsWith("\t"))
                .reduce("", String::concat);
        assertThat(subjectLine).contains("=?UTF-8?").matches("\\p{ASCII}*");
    }

    @Test
    void customTemplatesAreUsedForAllThreeParts() throws Exception {
        DeliveryResult r = notifier("""
                subject-template = "{{rule}} is {{state}}"
                text-template = "value {{value}} {{#labels}}[{{key}}:{{value}}]{{/labels}}"
                html-template = "<p>{{summary}}</p>"
                """).deliver(alert(Alert.State.FIRING, "a <i>b</i>"));

        assertThat(r.outcome()).isEqualTo(DeliveryResult.Outcome.DELIVERED);
        MimeMessage m = greenMail.getReceivedMessages()[0];
        MimeMultipart mp = (MimeMultipart) m.getContent();
        assertThat(m.getSubject()).isEqualTo("ssh-brute is firing");
        assertThat(mp.getBodyPart(0).getContent()).isEqualTo("value 42 [note:<b>&\"x\"</b>][srcaddr:203.0.113.9]");
        assertThat(mp.getBodyPart(1).getContent()).isEqualTo("<p>a &lt;i&gt;b&lt;/i&gt;</p>");
    }

    @Test
    void deliversWhenTheCallingThreadsContextLoaderCannotSeeJakartaMail() {
        // The runtime's worker threads carry the host's loader, which has no Jakarta Mail.
        Notifier n = notifier("");
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        t.setContextClassLoader(ClassLoader.getPlatformClassLoader());
        try {
            DeliveryResult r = n.deliver(alert(Alert.State.FIRING, "x"));
            assertThat(r.outcome()).as(r.detail()).isEqualTo(DeliveryResult.Outcome.DELIVERED);
            assertThat(t.getContextClassLoader()).isSameAs(ClassLoader.getPlatformClassLoader());
        } finally {
            t.setContextClassLoader(before);
        }
        assertThat(greenMail.getReceivedMessages()).hasSize(1);
    }


    @Test
    void deliversWhenTheCallingThreadsContextLoaderHasAnotherCopyOfJakartaMail() throws Exception {
        // A host (or another plugin's thread) whose context loader carries its own Jakarta Mail:
        // providers found through it would be classes the plugin's jakarta.mail cannot use.
        java.util.List<java.net.URL> jars = new java.util.ArrayList<>();
        for (Class<?> c : new Class<?>[]{jakarta.mail.Session.class, org.eclipse.angus.mail.smtp.SMTPTransport.class,
                jakarta.activation.DataHandler.class, Class.forName("org.eclipse.angus.activation.MailcapRegistryProviderImpl")}) {
            jars.add(c.getProtectionDomain().getCodeSource().getLocation());
        }
        Notifier n = notifier("");
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        try (java.net.URLClassLoader other = new java.net.URLClassLoader(jars.toArray(new java.net.URL[0]),
                ClassLoader.getPlatformClassLoader())) {
            t.setContextClassLoader(other);
            DeliveryResult r = n.deliver(alert(Alert.State.FIRING, "x"));
            assertThat(r.outcome()).as(r.detail()).isEqualTo(DeliveryResult.Outcome.DELIVERED);
        } finally {
            t.setContextClassLoader(before);
        }
        assertThat(greenMail.getReceivedMessages()).hasSize(1);
    }
}
