package io.flowwatch.plugin.cloudwatch;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local CloudWatch Logs endpoint speaking the service's real wire protocol as aws-sdk-java-v2
 * 2.40.2 sends it: AWS JSON 1.1 ({@code POST /}, {@code Content-Type: application/x-amz-json-1.1},
 * {@code X-Amz-Target: Logs_20140328.<Operation>}, SigV4-signed). A request in any other shape is
 * answered with an error and recorded in {@link #protocolViolations()}, so a test fails if the SDK
 * speaks something else.
 *
 * <p>FilterLogEvents follows the API reference: exactly one of {@code logGroupName} and
 * {@code logGroupIdentifier} (a name or an ARN); {@code startTime} and {@code endTime} both
 * inclusive ("events with a timestamp before startTime / later than endTime are not returned");
 * {@code logStreamNamePrefix}; {@code limit} 1-10000 (default 10000); results sorted by event
 * timestamp, then ingestion time, then arrival; an opaque {@code nextToken} that continues after the
 * last event returned (events ingested meanwhile at an earlier position are not returned by that
 * pagination, as with the real service); {@code searchedLogStreams}. A missing group gives HTTP 400
 * {@code ResourceNotFoundException}. Tests can queue throttling and 5xx answers and empty pages that
 * still carry a token (the API allows both), or answer every request with a fault, or slowly, until
 * told otherwise ({@link #failAll}, {@link #delay}). Public, and published in this module's test
 * jar, for the runtime's outage tests.
 */
public final class FakeCloudWatchLogs implements AutoCloseable {

    static final String TARGET_PREFIX = "Logs_20140328.";
    static final String CONTENT_TYPE = "application/x-amz-json-1.1";
    private static final Pattern ARN = Pattern.compile("arn:aws[a-z-]*:logs:[a-z0-9-]+:\\d{12}:log-group:(.+)");
    private static final Pattern SIGV4 = Pattern.compile("AWS4-HMAC-SHA256 Credential=[^/]+/\\d{8}/([a-z0-9-]+)/logs/aws4_request, .*");

    /** One stored event. {@code seq} is arrival order, for ties and for ids. */
    public record Event(String group, String stream, long timestamp, String message, long ingestionTime, long seq) {
        String eventId() {
            // The real ids are long decimal strings; make ours look alike and unique.
            return String.format("%020d%020d%016d", timestamp, ingestionTime, seq);
        }
    }

    /** One FilterLogEvents request as received. */
    public record Request(long nanoTime, Map<String, JsonNode> body, int status) {
        Optional<Long> number(String key) {
            JsonNode n = body.get(key);
            return n == null || n.isNull() ? Optional.empty() : Optional.of(Long.parseLong(n.asNumber()));
        }

        Optional<String> string(String key) {
            JsonNode n = body.get(key);
            return n == null || n.isNull() ? Optional.empty() : Optional.of(n.asString());
        }
    }

    /** An answer to queue instead of a real one. */
    public enum Fault { THROTTLE, SERVER_ERROR, ACCESS_DENIED, EMPTY_PAGE_WITH_TOKEN }

    private static final Comparator<Event> ORDER = Comparator.comparingLong(Event::timestamp)
            .thenComparingLong(Event::ingestionTime).thenComparingLong(Event::seq);

    private final HttpServer server;
    private final Map<String, List<String>> groups = new HashMap<>(); // group -> stream names
    private final List<Event> events = new ArrayList<>();
    private final Deque<Fault> faults = new ArrayDeque<>();
    private final AtomicLong seq = new AtomicLong();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    /** The ingestion clock (epoch ms) stamped on events put without an explicit one. */
    private volatile long ingestionClock = 1_700_000_000_000L;
    /** Answered to every request while set (after any queued faults). */
    private volatile Fault persistent;
    private volatile long delayMillis;

    public FakeCloudWatchLogs() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        // Slow answers must not hold up the others: one thread per request, as a real endpoint would.
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-cwl");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public synchronized void createGroup(String group) {
        groups.putIfAbsent(group, new ArrayList<>());
    }

    /** Stores an event (creating its stream) with the current ingestion clock. */
    public synchronized Event put(String group, String stream, long timestamp, String message) {
        return put(group, stream, timestamp, message, ingestionClock);
    }

    synchronized Event put(String group, String stream, long timestamp, String message, long ingestionTime) {
        List<String> streams = groups.get(group);
        if (streams == null) {
            throw new IllegalStateException("no group " + group);
        }
        if (!streams.contains(stream)) {
            streams.add(stream);
        }
        Event e = new Event(group, stream, timestamp, message, ingestionTime, seq.incrementAndGet());
        events.add(e);
        return e;
    }

    public void setIngestionClock(long epochMillis) {
        ingestionClock = epochMillis;
    }

    /** Answers every request with {@code fault} from now on; null: answer normally again. */
    public void failAll(Fault fault) {
        persistent = fault;
    }

    /** Answers every request only after this long (0: at once), like an overloaded endpoint. */
    public void delay(java.time.Duration d) {
        delayMillis = d.toMillis();
    }

    public synchronized void queue(Fault fault, int times) {
        for (int i = 0; i < times; i++) {
            faults.add(fault);
        }
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    public List<String> protocolViolations() {
        return List.copyOf(violations);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readAllBytes();
            }
            String target = ex.getRequestHeaders().getFirst("X-Amz-Target");
            String contentType = ex.getRequestHeaders().getFirst("Content-Type");
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (!"POST".equals(ex.getRequestMethod()) || !"/".equals(ex.getRequestURI().getPath())) {
                violation(ex, "expected POST /, got " + ex.getRequestMethod() + " " + ex.getRequestURI());
                return;
            }
            if (contentType == null || !contentType.startsWith(CONTENT_TYPE)) {
                violation(ex, "expected Content-Type " + CONTENT_TYPE + ", got " + contentType);
                return;
            }
            if (auth == null || !SIGV4.matcher(auth).matches()) {
                violation(ex, "expected a SigV4 Authorization for service logs, got " + auth);
                return;
            }
            if (target == null || !target.startsWith(TARGET_PREFIX)) {
                violation(ex, "expected X-Amz-Target " + TARGET_PREFIX + "<Operation>, got " + target);
                return;
            }
            String op = target.substring(TARGET_PREFIX.length());
            Map<String, JsonNode> req;
            try {
                req = JsonNode.parser().parse(new String(body, StandardCharsets.UTF_8)).asObject();
            } catch (RuntimeException e) {
                send(ex, 400, error("SerializationException", "body is not a JSON object"));
                return;
            }
            if (!op.equals("FilterLogEvents")) {
                send(ex, 400, error("UnknownOperationException", "unknown operation " + op));
                return;
            }
            long delay = delayMillis;
            if (delay > 0) {
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            Answer a = filterLogEvents(req);
            requests.add(new Request(System.nanoTime(), req, a.status));
            send(ex, a.status, a.body);
        }
    }

    private record Answer(int status, String body) {
    }

    private synchronized Answer filterLogEvents(Map<String, JsonNode> req) {
        Fault fault = faults.poll();
        if (fault == null) {
            fault = persistent;
        }
        if (fault == Fault.THROTTLE) {
            return new Answer(400, error("ThrottlingException", "Rate exceeded"));
        }
        if (fault == Fault.ACCESS_DENIED) {
            return new Answer(400, error("AccessDeniedException", "User: arn:aws:iam::123456789012:user/x is not authorized to perform: "
                    + "logs:FilterLogEvents on resource: arn:aws:logs:eu-west-1:123456789012:log-group:/vpc/flow-logs:log-stream:"));
        }
        if (fault == Fault.SERVER_ERROR) {
            return new Answer(500, error("InternalFailure", "We encountered an internal error. Please try again."));
        }
        String name = str(req, "logGroupName");
        String identifier = str(req, "logGroupIdentifier");
        if ((name == null) == (identifier == null)) {
            return new Answer(400, error("InvalidParameterException", "Specify exactly one of logGroupName and logGroupIdentifier"));
        }
        String group = name;
        if (identifier != null) {
            Matcher m = ARN.matcher(identifier);
            group = m.matches() ? m.group(1) : identifier;
        }
        if (!groups.containsKey(group)) {
            return new Answer(400, error("ResourceNotFoundException", "The specified log group does not exist."));
        }
        Long start = num(req, "startTime");
        Long end = num(req, "endTime");
        if (start != null && end != null && start > end) {
            return new Answer(400, error("InvalidParameterException", "startTime must not be after endTime"));
        }
        Long limit = num(req, "limit");
        if (limit != null && (limit < 1 || limit > 10_000)) {
            return new Answer(400, error("InvalidParameterException", "1 validation error detected: Value '" + limit
                    + "' at 'limit' failed to satisfy constraint: Member must have value between 1 and 10000"));
        }
        int max = limit == null ? 10_000 : limit.intValue();
        String prefix = str(req, "logStreamNamePrefix");
        Event after = null;
        String token = str(req, "nextToken");
        if (token != null) {
            after = decodeToken(token);
            if (after == null) {
                return new Answer(400, error("InvalidParameterException", "The specified nextToken is invalid."));
            }
        }
        if (fault == Fault.EMPTY_PAGE_WITH_TOKEN) {
            Event pos = after != null ? after : new Event(group, "", Long.MIN_VALUE, "", Long.MIN_VALUE, 0);
            return new Answer(200, "{\"events\":[],\"searchedLogStreams\":[],\"nextToken\":\"" + encodeToken(pos) + "\"}");
        }
        String g = group;
        Event a = after;
        List<Event> matching = events.stream()
                .filter(e -> e.group().equals(g))
                .filter(e -> prefix == null || e.stream().startsWith(prefix))
                .filter(e -> start == null || e.timestamp() >= start)
                .filter(e -> end == null || e.timestamp() <= end)
                .filter(e -> a == null || ORDER.compare(e, a) > 0)
                .sorted(ORDER)
                .toList();
        List<Event> page = matching.subList(0, Math.min(max, matching.size()));
        StringBuilder b = new StringBuilder("{\"events\":[");
        for (int i = 0; i < page.size(); i++) {
            Event e = page.get(i);
            if (i > 0) {
                b.append(',');
            }
            b.append("{\"logStreamName\":").append(quote(e.stream()))
                    .append(",\"timestamp\":").append(e.timestamp())
                    .append(",\"message\":").append(quote(e.message()))
                    .append(",\"ingestionTime\":").append(e.ingestionTime())
                    .append(",\"eventId\":").append(quote(e.eventId())).append('}');
        }
        b.append("],\"searchedLogStreams\":[");
        TreeSet<String> searched = new TreeSet<>();
        for (String s : groups.get(group)) {
            if (prefix == null || s.startsWith(prefix)) {
                searched.add(s);
            }
        }
        int i = 0;
        for (String s : searched) {
            b.append(i++ > 0 ? "," : "").append("{\"logStreamName\":").append(quote(s)).append(",\"searchedCompletely\":true}");
        }
        b.append(']');
        if (matching.size() > page.size()) {
            b.append(",\"nextToken\":").append(quote(encodeToken(page.get(page.size() - 1))));
        }
        return new Answer(200, b.append('}').toString());
    }

    private static String encodeToken(Event e) {
        String raw = e.timestamp() + ":" + e.ingestionTime() + ":" + e.seq();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    private static Event decodeToken(String token) {
        try {
            String[] p = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8).split(":");
            return new Event("", "", Long.parseLong(p[0]), "", Long.parseLong(p[1]), Long.parseLong(p[2]));
        } catch (RuntimeException e) {
            return null;
        }
    }

    private void violation(HttpExchange ex, String what) throws IOException {
        violations.add(what);
        send(ex, 400, error("UnknownOperationException", what));
    }

    private static String error(String type, String message) {
        return "{\"__type\":" + quote(type) + ",\"message\":" + quote(message) + "}";
    }

    private static void send(HttpExchange ex, int status, String json) throws IOException {
        byte[] out = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
        ex.getResponseHeaders().set("x-amzn-RequestId", java.util.UUID.randomUUID().toString());
        ex.sendResponseHeaders(status, out.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(out);
        }
    }

    private static String str(Map<String, JsonNode> req, String key) {
        JsonNode n = req.get(key);
        return n == null || n.isNull() ? null : n.asString();
    }

    private static Long num(Map<String, JsonNode> req, String key) {
        JsonNode n = req.get(key);
        return n == null || n.isNull() ? null : Long.parseLong(n.asNumber());
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
