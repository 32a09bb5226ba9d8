package io.flowwatch.plugin.email;

import io.flowwatch.api.PluginContext;
import io.flowwatch.api.notify.Alert;
import io.flowwatch.api.notify.DeliveryResult;
import io.flowwatch.api.notify.Notifier;
import jakarta.mail.Address;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.internet.MimeUtility;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPSenderFailedException;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import java.io.UnsupportedEncodingException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Date;
import java.util.HexFormat;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sends each alert as one multipart/alternative mail (text/plain, then text/html).
 *
 * <p><b>Connections.</b> The {@link Session} (immutable properties) is built once; each delivery
 * opens its own {@link Transport}, sends and closes it. Alerts are rare and SMTP servers drop idle
 * connections after a few minutes, so a kept connection would mostly be a dead one to detect and
 * reopen; a fresh connection per alert costs one handshake and makes every attempt independent.
 *
 * <p><b>Class loading.</b> Jakarta Mail and Activation find their providers (SMTP transport,
 * mailcap content handlers, the stream provider) through {@link java.util.ServiceLoader} and
 * {@code META-INF} resources of the thread context class loader. The runtime's worker thread has
 * the host's loader there, which cannot see this plugin's jars, so every Jakarta Mail call runs
 * with the plugin's class loader as context loader ({@link #withPluginLoader}).
 *
 * <p><b>Recipients.</b> All or nothing ({@code mail.smtp.sendpartial=false}): if any recipient
 * is refused nothing is sent, so a retry never duplicates mail to the ones that were accepted.
 */
final class EmailNotifier implements Notifier {

    private static final Pattern REPLY_CODE = Pattern.compile("^\\s*([2-5])(\\d\\d)\\b");

    private final EmailNotifierConfig config;
    private final EmailTemplates templates;
    private final Session session;
    private final String idDomain;

    EmailNotifier(EmailNotifierConfig config, PluginContext ctx) {
        this.config = config;
        this.templates = new EmailTemplates(config.subjectTemplate(), config.textTemplate(), config.htmlTemplate(),
                config.statusUrl());
        Properties props = sessionProperties(config);
        this.session = withPluginLoader(() -> Session.getInstance(props));
        String address = config.from().getAddress();
        this.idDomain = address.substring(address.lastIndexOf('@') + 1);
    }

    static Properties sessionProperties(EmailNotifierConfig c) {
        Properties p = new Properties();
        String proto = c.security() == EmailNotifierConfig.Security.TLS ? "smtps" : "smtp";
        String px = "mail." + proto + ".";
        p.put("mail.transport.protocol", proto);
        p.put(px + "host", c.host());
        p.put(px + "port", Integer.toString(c.port()));
        String millis = Long.toString(c.timeout().toMillis());
        p.put(px + "connectiontimeout", millis);
        p.put(px + "timeout", millis);
        p.put(px + "writetimeout", millis);
        p.put(px + "auth", Boolean.toString(c.username() != null));
        p.put(px + "sendpartial", "false");
        p.put("mail.mime.address.strict", "true");
        switch (c.security()) {
            case STARTTLS -> {
                p.put(px + "starttls.enable", "true");
                // Refuse to go on in clear text when the server does not offer STARTTLS (no silent downgrade).
                p.put(px + "starttls.required", "true");
                tls(p, px, c);
            }
            case TLS -> {
                p.put(px + "ssl.enable", "true");
                tls(p, px, c);
            }
            case NONE -> p.put(px + "starttls.enable", "false");
        }
        return p;
    }

    private static void tls(Properties p, String px, EmailNotifierConfig c) {
        p.put(px + "ssl.checkserveridentity", "true");
        p.put(px + "ssl.protocols", "TLSv1.3 TLSv1.2");
        if (c.truststore() != null) {
            // An SSLSocketFactory object (not a class name) trusting exactly the configured store;
            // Jakarta Mail uses it both for SMTPS and for the STARTTLS upgrade.
            p.put(px + "ssl.socketFactory", socketFactory(c));
        }
    }

    private static SSLSocketFactory socketFactory(EmailNotifierConfig c) {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(c.truststore());
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx.getSocketFactory();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot build a TLS context from the trust store: " + e.getMessage(), e);
        }
    }

    EmailNotifierConfig config() {
        return config;
    }

    @Override
    public DeliveryResult deliver(Alert alert) {
        try {
            return withPluginLoader(() -> {
                MimeMessage message = message(alert);
                try (Transport transport = session.getTransport()) {
                    if (config.username() != null) {
                        transport.connect(config.username(), config.password());
                    } else {
                        transport.connect();
                    }
                    transport.sendMessage(message, message.getAllRecipients());
                }
                return DeliveryResult.delivered();
            });
        } catch (MessagingRuntimeException e) {
            return classify(e.getCause());
        }
    }

    /** The mail for one alert; package-private so tests can check headers without a server. */
    MimeMessage message(Alert alert) throws MessagingException {
        String root = "<" + token(alert.id()) + "@" + idDomain + ">";
        // Every mail of an episode points at the same thread root; a resolved mail's own id is
        // stable (a redelivery is a duplicate), a firing mail's is unique, since reminders repeat
        // while firing and receivers such as Gmail drop mail whose Message-ID they already have.
        String ownId = alert.state() == Alert.State.RESOLVED
                ? "<" + token(alert.id()) + ".resolved@" + idDomain + ">"
                : "<" + token(alert.id()) + ".firing." + UUID.randomUUID() + "@" + idDomain + ">";
        MimeMessage m = new MimeMessage(session) {
            @Override
            protected void updateMessageID() throws MessagingException {
                setHeader("Message-ID", ownId);
            }
        };
        m.setFrom(config.from());
        m.setRecipients(Message.RecipientType.TO, config.to().toArray(new Address[0]));
        if (!config.cc().isEmpty()) {
            m.setRecipients(Message.RecipientType.CC, config.cc().toArray(new Address[0]));
        }
        // Already one line (EmailTemplates.subject); setSubject with a charset applies RFC 2047 to non-ASCII.
        m.setSubject(templates.subject(alert), "UTF-8");
        m.setSentDate(new Date());
        m.setHeader("In-Reply-To", root);
        m.setHeader("References", root);
        m.setHeader("X-Flowwatch-Alert-Id", header(alert.id()));
        m.setHeader("X-Flowwatch-Rule", header(alert.rule()));
        m.setHeader("X-Flowwatch-State", alert.state().wireName());
        m.setHeader("X-Flowwatch-Severity", alert.severity().configName());
        // RFC 3834: machine-made mail; tells vacation responders not to answer.
        m.setHeader("Auto-Submitted", "auto-generated");

        MimeBodyPart text = new MimeBodyPart();
        text.setText(templates.text(alert), "UTF-8", "plain");
        MimeBodyPart html = new MimeBodyPart();
        html.setText(templates.html(alert), "UTF-8", "html");
        MimeMultipart alternative = new MimeMultipart("alternative");
        alternative.addBodyPart(text); // least preferred first (RFC 2046)
        alternative.addBodyPart(html);
        m.setContent(alternative);
        m.saveChanges();
        return m;
    }

    /** A Message-ID local part from any alert id: hex of its SHA-256, so it is always a valid dot-atom. */
    static String token(String alertId) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(alertId.getBytes(StandardCharsets.UTF_8));
            return "fw." + HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An untrusted value as a one-line header value, RFC 2047-encoded when it is not ASCII. */
    private static String header(String value) throws MessagingException {
        String line = EmailTemplates.headerText(value);
        try {
            return MimeUtility.fold(20, MimeUtility.encodeText(line, "UTF-8", null));
        } catch (UnsupportedEncodingException e) {
            throw new MessagingException("UTF-8 unsupported", e);
        }
    }

    /**
     * Maps a failed attempt to the dispatcher's outcome. Transient trouble (network, timeouts,
     * 4xx replies) is retried; what will fail again the same way (refused recipients, 5xx
     * replies, bad credentials, a server without the required STARTTLS) is permanent.
     */
    static DeliveryResult classify(MessagingException e) {
        String detail = describe(e);
        int code = 0;
        boolean anyTransient = false;
        for (Throwable t = e; t != null; t = next(t)) {
            int c = 0;
            if (t instanceof SMTPAddressFailedException a) {
                c = a.getReturnCode();
                // RFC 5321 4.5.3.1.10: 552 on RCPT means "mailbox full" and is to be treated as 452.
                c = c == 552 ? 452 : c;
            } else if (t instanceof SMTPSendFailedException s) {
                c = s.getReturnCode();
            } else if (t instanceof SMTPSenderFailedException s) {
                c = s.getReturnCode();
            } else if (t instanceof AuthenticationFailedException) {
                c = replyCode(t.getMessage(), 535);
            }
            if (c >= 400 && c < 500) {
                anyTransient = true;
            }
            if (c != 0 && code == 0) {
                code = c;
            }
        }
        if (anyTransient) {
            return DeliveryResult.retry(detail, null);
        }
        if (code >= 500) {
            return DeliveryResult.permanentFailure(detail);
        }
        if (e.getMessage() != null && e.getMessage().contains("STARTTLS is required")) {
            return DeliveryResult.permanentFailure(detail + " (security = starttls: the server must offer STARTTLS)");
        }
        if (e instanceof AuthenticationFailedException) {
            return DeliveryResult.permanentFailure(detail);
        }
        // Connection refused, unknown host, timeouts, TLS handshake failures, dropped connections:
        // the receiver (or the way to it) may come back, so let the outbox retry with backoff.
        return DeliveryResult.retry(detail, null);
    }

    private static Throwable next(Throwable t) {
        if (t instanceof MessagingException m && m.getNextException() != null && m.getNextException() != t) {
            return m.getNextException();
        }
        return t.getCause() == t ? null : t.getCause();
    }

    private static int replyCode(String message, int fallback) {
        if (message == null) {
            return fallback;
        }
        Matcher m = REPLY_CODE.matcher(message);
        return m.find() ? Integer.parseInt(m.group(1) + m.group(2)) : fallback;
    }

    /** One line: the failure, what kind of trouble it was, and its root cause. */
    private static String describe(MessagingException e) {
        StringBuilder sb = new StringBuilder(EmailTemplates.headerText(String.valueOf(e.getMessage())));
        Throwable root = e;
        String kind = null;
        for (Throwable t = next(e); t != null; t = next(t)) {
            root = t;
            if (kind == null) {
                kind = t instanceof ConnectException ? "connection refused"
                        : t instanceof SocketTimeoutException ? "timed out"
                        : t instanceof UnknownHostException ? "unknown host"
                        : t instanceof SSLException ? "TLS failure"
                        : null;
            }
        }
        for (Throwable t = next(e); t != null; t = next(t)) {
            if (t instanceof SMTPAddressFailedException a) {
                sb.append("; ").append(a.getAddress()).append(": ").append(EmailTemplates.headerText(String.valueOf(a.getMessage())));
            }
        }
        if (root != e && !(root instanceof SMTPAddressFailedException)) {
            sb.append(" (").append(kind == null ? root.getClass().getSimpleName() : kind).append(": ")
                    .append(EmailTemplates.headerText(String.valueOf(root.getMessage()))).append(')');
        }
        return sb.toString();
    }

    /** Runs Jakarta Mail code with this plugin's class loader as the thread's context loader (see class doc). */
    private static <T> T withPluginLoader(Callable<T> body) {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(EmailNotifier.class.getClassLoader());
        try {
            return body.call();
        } catch (MessagingException e) {
            throw new MessagingRuntimeException(e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    /** Carries a {@link MessagingException} out of {@link #withPluginLoader}. */
    private static final class MessagingRuntimeException extends RuntimeException {
        MessagingRuntimeException(MessagingException cause) {
            super(cause);
        }

        @Override
        public synchronized MessagingException getCause() {
            return (MessagingException) super.getCause();
        }
    }
}
