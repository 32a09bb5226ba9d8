package io.flowwatch.plugin.email;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A small real SMTP server on 127.0.0.1 for what GreenMail cannot do: refuse chosen recipients
 * with chosen replies, and offer STARTTLS (GreenMail's SMTP has no STARTTLS). It records every
 * command line with whether it came over TLS, and the DATA it accepted.
 */
final class ScriptedSmtpServer implements AutoCloseable {

    /** One command as received; {@code tls} tells whether the connection was encrypted by then. */
    record Command(String line, boolean tls) {
    }

    private final ServerSocket server;
    private final boolean offerStartTls;
    private final Map<String, String> rcptReplies = new ConcurrentHashMap<>();
    final List<Command> commands = new CopyOnWriteArrayList<>();
    final List<String> messages = new CopyOnWriteArrayList<>();
    private final Thread thread;

    ScriptedSmtpServer(boolean offerStartTls) throws IOException {
        this.server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        this.offerStartTls = offerStartTls;
        this.thread = new Thread(this::serve, "scripted-smtp");
        thread.setDaemon(true);
        thread.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Answers RCPT TO for {@code address} with {@code reply} (e.g. "550 5.1.1 user unknown"). */
    ScriptedSmtpServer rcptReply(String address, String reply) {
        rcptReplies.put(address.toLowerCase(java.util.Locale.ROOT), reply);
        return this;
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                s.setSoTimeout(10_000);
                converse(s);
            } catch (IOException e) {
                // closed, or a client went away mid-conversation: serve the next one
            }
        }
    }

    private void converse(Socket plain) throws IOException {
        Socket s = plain;
        boolean tls = false;
        BufferedReader in = reader(s);
        OutputStream out = s.getOutputStream();
        send(out, "220 scripted ESMTP");
        String line;
        while ((line = in.readLine()) != null) {
            commands.add(new Command(line, tls));
            String verb = line.length() >= 4 ? line.substring(0, 4).toUpperCase(java.util.Locale.ROOT) : line;
            switch (verb) {
                case "EHLO" -> send(out, offerStartTls && !tls ? "250-scripted\r\n250 STARTTLS" : "250 scripted");
                case "STAR" -> {
                    send(out, "220 go ahead");
                    s = startTls(plain);
                    tls = true;
                    in = reader(s);
                    out = s.getOutputStream();
                }
                case "MAIL", "RSET", "NOOP" -> send(out, "250 OK");
                case "RCPT" -> {
                    String addr = line.substring(line.indexOf('<') + 1, line.indexOf('>')).toLowerCase(java.util.Locale.ROOT);
                    send(out, rcptReplies.getOrDefault(addr, "250 OK"));
                }
                case "DATA" -> {
                    send(out, "354 end with .");
                    StringBuilder data = new StringBuilder();
                    String d;
                    while ((d = in.readLine()) != null && !d.equals(".")) {
                        data.append(d).append("\r\n");
                    }
                    messages.add(data.toString());
                    send(out, "250 queued");
                }
                case "QUIT" -> {
                    send(out, "221 bye");
                    return;
                }
                default -> send(out, "502 not implemented");
            }
        }
    }

    private static Socket startTls(Socket plain) throws IOException {
        try {
            KeyStore ks = KeyStore.getInstance(MailTestSupport.resource("tls/server.p12").toFile(), "changeit".toCharArray());
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, "changeit".toCharArray());
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            SSLSocket tls = (SSLSocket) ctx.getSocketFactory().createSocket(plain, null, plain.getPort(), false);
            tls.setUseClientMode(false);
            tls.startHandshake();
            return tls;
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    private static BufferedReader reader(Socket s) throws IOException {
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
    }

    private static void send(OutputStream out, String reply) throws IOException {
        out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
