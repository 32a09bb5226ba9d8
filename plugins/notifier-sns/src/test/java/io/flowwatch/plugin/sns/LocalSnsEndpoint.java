package io.flowwatch.plugin.sns;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A local SNS endpoint speaking the AWS Query protocol the SDK uses for SNS: form-encoded
 * {@code Action=Publish&Version=2010-03-31&...} in, {@code PublishResponse} or an
 * {@code ErrorResponse} document out. It checks what real SNS checks before accepting: the
 * SigV4 signature (recomputed with the test secret), the action and version, a topic ARN, a
 * message within 256 KB including attributes, and a subject within SNS's rules.
 */
final class LocalSnsEndpoint implements AutoCloseable {

    /** One request as it arrived. */
    record Received(String method, String path, Map<String, List<String>> headers, byte[] body,
                    Map<String, String> params, String signatureProblem) {
        String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }

        /** MessageAttributes.entry.N.* as name → [DataType, StringValue]. */
        Map<String, List<String>> attributes() {
            Map<String, List<String>> out = new LinkedHashMap<>();
            for (int n = 1; params.containsKey("MessageAttributes.entry." + n + ".Name"); n++) {
                String p = "MessageAttributes.entry." + n;
                out.put(params.get(p + ".Name"), List.of(params.get(p + ".Value.DataType"), params.get(p + ".Value.StringValue")));
            }
            return out;
        }
    }

    /** A canned error: HTTP status, Type (Sender/Receiver), Code, optional extra headers. */
    record Failure(int status, String type, String code, Map<String, String> headers) {
    }

    private static final Pattern AUTH = Pattern.compile(
            "AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/([^/]+)/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})");

    private final HttpServer server;
    private final String accessKey;
    private final String secretKey;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final List<Failure> failures = new CopyOnWriteArrayList<>();

    LocalSnsEndpoint(String accessKey, String secretKey) throws IOException {
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    List<Received> received() {
        return received;
    }

    /** The next requests are answered with these errors, one each, then success again. */
    void failNext(Failure... f) {
        failures.addAll(Arrays.asList(f));
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body = ex.getRequestBody().readAllBytes();
            Map<String, String> params = parseForm(new String(body, StandardCharsets.UTF_8));
            String sigProblem = checkSignature(ex, body);
            received.add(new Received(ex.getRequestMethod(), ex.getRequestURI().getPath(),
                    Map.copyOf(ex.getRequestHeaders()), body, params, sigProblem));
            if (sigProblem != null) {
                error(ex, new Failure(403, "Sender", "SignatureDoesNotMatch", Map.of()), sigProblem);
                return;
            }
            String ct = ex.getRequestHeaders().getFirst("Content-Type");
            if (!"POST".equals(ex.getRequestMethod()) || ct == null || !ct.startsWith("application/x-www-form-urlencoded")) {
                error(ex, new Failure(400, "Sender", "InvalidAction", Map.of()), "expected a form-encoded POST");
                return;
            }
            if (!"Publish".equals(params.get("Action")) || !"2010-03-31".equals(params.get("Version"))) {
                error(ex, new Failure(400, "Sender", "InvalidAction", Map.of()), "unknown action " + params.get("Action"));
                return;
            }
            String invalid = invalidPublish(params);
            if (invalid != null) {
                error(ex, new Failure(400, "Sender", "InvalidParameter", Map.of()), invalid);
                return;
            }
            if (!failures.isEmpty()) {
                Failure f = failures.remove(0);
                error(ex, f, "canned " + f.code());
                return;
            }
            String xml = """
                    <PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
                      <PublishResult>
                        <MessageId>%s</MessageId>
                      </PublishResult>
                      <ResponseMetadata>
                        <RequestId>%s</RequestId>
                      </ResponseMetadata>
                    </PublishResponse>
                    """.formatted(UUID.randomUUID(), UUID.randomUUID());
            send(ex, 200, xml, Map.of());
        }
    }

    /** SNS's own checks on a Publish (the ones this notifier can get wrong). */
    private static String invalidPublish(Map<String, String> p) {
        if (p.get("TopicArn") == null || !p.get("TopicArn").startsWith("arn:aws:sns:")) {
            return "Invalid parameter: TopicArn";
        }
        String message = p.get("Message");
        if (message == null || message.isEmpty()) {
            return "Empty message";
        }
        int size = message.getBytes(StandardCharsets.UTF_8).length;
        for (Map.Entry<String, String> e : p.entrySet()) {
            if (e.getKey().startsWith("MessageAttributes.entry.")) {
                size += e.getValue().getBytes(StandardCharsets.UTF_8).length;
            }
        }
        if (size > 262_144) {
            return "Invalid parameter: Message too long";
        }
        String subject = p.get("Subject");
        if (subject != null && (subject.length() >= 100 || !subject.chars().allMatch(c -> c >= 0x20 && c < 0x7f)
                || subject.isEmpty() || subject.charAt(0) == ' ')) {
            return "Invalid parameter: Subject";
        }
        return null;
    }

    /** Recomputes the SigV4 signature; null when it matches. */
    private String checkSignature(HttpExchange ex, byte[] body) {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth == null) {
            return "no Authorization header";
        }
        Matcher m = AUTH.matcher(auth);
        if (!m.matches()) {
            return "not a SigV4 Authorization header: " + auth;
        }
        if (!m.group(1).equals(accessKey)) {
            return "unknown access key " + m.group(1);
        }
        String amzDate = ex.getRequestHeaders().getFirst("X-Amz-Date");
        if (amzDate == null || !amzDate.startsWith(m.group(2))) {
            return "X-Amz-Date missing or not of the credential's day";
        }
        String scope = m.group(2) + "/" + m.group(3) + "/" + m.group(4) + "/aws4_request";
        List<String> signed = List.of(m.group(5).split(";"));
        StringBuilder canonicalHeaders = new StringBuilder();
        for (String h : signed) {
            List<String> values = ex.getRequestHeaders().get(h);
            if (values == null) {
                return "signed header " + h + " missing";
            }
            canonicalHeaders.append(h).append(':')
                    .append(values.stream().map(v -> v.trim().replaceAll(" +", " ")).collect(Collectors.joining(",")))
                    .append('\n');
        }
        String payloadHash = ex.getRequestHeaders().getFirst("X-Amz-Content-Sha256");
        String bodyHash = hex(sha256(body));
        if (payloadHash != null && !payloadHash.equals(bodyHash) && !payloadHash.startsWith("UNSIGNED")) {
            return "x-amz-content-sha256 does not match the body";
        }
        String query = ex.getRequestURI().getRawQuery();
        String canonical = ex.getRequestMethod() + "\n" + ex.getRequestURI().getRawPath() + "\n"
                + (query == null ? "" : query) + "\n" + canonicalHeaders + "\n" + m.group(5) + "\n"
                + (payloadHash == null ? bodyHash : payloadHash);
        String toSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex(sha256(canonical.getBytes(StandardCharsets.UTF_8)));
        byte[] key = hmac(("AWS4" + secretKey).getBytes(StandardCharsets.UTF_8), m.group(2));
        key = hmac(key, m.group(3));
        key = hmac(key, m.group(4));
        key = hmac(key, "aws4_request");
        String expected = hex(hmac(key, toSign));
        return expected.equals(m.group(6)) ? null : "signature does not match";
    }

    private static void error(HttpExchange ex, Failure f, String message) throws IOException {
        String xml = """
                <ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
                  <Error>
                    <Type>%s</Type>
                    <Code>%s</Code>
                    <Message>%s</Message>
                  </Error>
                  <RequestId>%s</RequestId>
                </ErrorResponse>
                """.formatted(f.type(), f.code(), message.replace("&", "&amp;").replace("<", "&lt;"), UUID.randomUUID());
        send(ex, f.status(), xml, f.headers());
    }

    private static void send(HttpExchange ex, int status, String xml, Map<String, String> headers) throws IOException {
        byte[] bytes = xml.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/xml");
        ex.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        headers.forEach(ex.getResponseHeaders()::set);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static Map<String, String> parseForm(String body) {
        Map<String, String> out = new LinkedHashMap<>();
        if (body.isEmpty()) {
            return out;
        }
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.put(k, v);
        }
        return out;
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
