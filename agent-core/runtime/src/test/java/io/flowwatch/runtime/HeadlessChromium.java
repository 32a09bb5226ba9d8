package io.flowwatch.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's headless Chromium driven over the DevTools protocol (the JDK's WebSocket client and
 * Jackson, no extra test dependencies): loads a page, collects console errors, uncaught
 * exceptions and browser log errors (failed loads), and evaluates expressions in the page.
 * {@code --dump-dom} alone cannot do this: it does not report console messages.
 */
final class HeadlessChromium implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** A loaded page: its errors and a way to ask it things. */
    interface Page {
        List<String> errors();

        JsonNode eval(String expression) throws Exception;

        /** A PNG of the whole page, for people reviewing the layout. */
        byte[] screenshot() throws Exception;
    }

    private final Process process;
    private final WebSocket ws;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<JsonNode> events = new CopyOnWriteArrayList<>();

    private HeadlessChromium(Process process, WebSocket ws) {
        this.process = process;
        this.ws = ws;
    }

    /** The browser binary: {@code -Dflowwatch.test.chromium=...}, else {@code chromium} on the PATH. Fails clearly when missing. */
    static Path executable() {
        String configured = System.getProperty("flowwatch.test.chromium");
        if (configured != null && !configured.isBlank()) {
            return Paths.get(configured);
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(java.io.File.pathSeparator)) {
            for (String name : List.of("chromium", "chromium-browser")) {
                Path p = Paths.get(dir, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        throw new AssertionError("headless Chromium is required for the status page browser test but was not found on"
                + " the PATH: install Debian's package (apt-get install -y chromium) or set -Dflowwatch.test.chromium=<path>");
    }

    static HeadlessChromium launch(Path profileDir) throws Exception {
        Files.createDirectories(profileDir);
        Process p = new ProcessBuilder(executable().toString(), "--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-extensions", "--disable-dev-shm-usage", "--user-data-dir=" + profileDir.toAbsolutePath(),
                "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "about:blank")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        CompletableFuture<String> endpoint = new CompletableFuture<>();
        StringBuilder stderr = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        endpoint.complete(m.group(1));
                    } else if (!endpoint.isDone()) {
                        stderr.append(line).append('\n');
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
            endpoint.completeExceptionally(new AssertionError("chromium exited before DevTools was listening:\n" + stderr));
        }, "chromium-stderr");
        reader.setDaemon(true);
        reader.start();
        String url;
        try {
            url = endpoint.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            p.destroyForcibly();
            throw e;
        }
        HeadlessChromium[] self = new HeadlessChromium[1];
        CountDownLatch ready = new CountDownLatch(1);
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(TIMEOUT)
                .buildAsync(URI.create(url), new WebSocket.Listener() {
                    private final StringBuilder buf = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
                        buf.append(data);
                        if (last) {
                            String msg = buf.toString();
                            buf.setLength(0);
                            try {
                                ready.await();
                                self[0].onMessage(JSON.readTree(msg));
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        }
                        socket.request(1);
                        return null;
                    }
                }).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        self[0] = new HeadlessChromium(p, ws);
        ready.countDown();
        return self[0];
    }

    private void onMessage(JsonNode msg) {
        if (msg.has("id")) {
            CompletableFuture<JsonNode> f = pending.remove(msg.get("id").asInt());
            if (f != null) {
                f.complete(msg);
            }
        } else {
            events.add(msg);
        }
    }

    private JsonNode send(String sessionId, String method, Map<String, Object> params) throws Exception {
        int id = ids.incrementAndGet();
        ObjectNode msg = JSON.createObjectNode();
        msg.put("id", id);
        msg.put("method", method);
        msg.set("params", JSON.valueToTree(params));
        if (sessionId != null) {
            msg.put("sessionId", sessionId);
        }
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        pending.put(id, f);
        synchronized (ws) {
            ws.sendText(JSON.writeValueAsString(msg), true).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }
        JsonNode answer = f.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        if (answer.has("error")) {
            throw new IllegalStateException(method + ": " + answer.get("error"));
        }
        return answer.get("result");
    }

    /** Opens {@code url} in a new tab, waits for its load event and a moment for late console output. */
    /** Events from index {@code from} on, copied: a subList view of the CopyOnWriteArrayList fails when an event arrives while it is read. */
    private List<JsonNode> since(int from) {
        List<JsonNode> all = List.copyOf(events);
        return all.subList(from, all.size());
    }

    Page load(String url) throws Exception {
        String target = send(null, "Target.createTarget", Map.of("url", "about:blank")).get("targetId").asText();
        String session = send(null, "Target.attachToTarget", Map.of("targetId", target, "flatten", true))
                .get("sessionId").asText();
        send(session, "Page.enable", Map.of());
        send(session, "Runtime.enable", Map.of());
        send(session, "Log.enable", Map.of());
        int from = events.size();
        send(session, "Page.navigate", Map.of("url", url));
        long end = System.nanoTime() + TIMEOUT.toNanos();
        while (since(from).stream().noneMatch(e -> session.equals(e.path("sessionId").asText())
                && "Page.loadEventFired".equals(e.path("method").asText()))) {
            if (System.nanoTime() > end) {
                throw new AssertionError("page " + url + " did not finish loading in " + TIMEOUT);
            }
            Thread.sleep(50);
        }
        Thread.sleep(500); // console messages and failed sub-resource loads may trail the load event
        List<JsonNode> mine = since(from).stream()
                .filter(e -> session.equals(e.path("sessionId").asText())).toList();
        List<String> errors = new ArrayList<>();
        for (JsonNode e : mine) {
            JsonNode params = e.path("params");
            switch (e.path("method").asText()) {
                case "Runtime.consoleAPICalled" -> {
                    String type = params.path("type").asText();
                    if (type.equals("error") || type.equals("assert")) {
                        errors.add("console." + type + ": " + params.path("args"));
                    }
                }
                case "Runtime.exceptionThrown" -> errors.add("uncaught: " + params.path("exceptionDetails"));
                case "Log.entryAdded" -> {
                    if (params.path("entry").path("level").asText().equals("error")) {
                        errors.add("log: " + params.path("entry").path("text").asText() + " "
                                + params.path("entry").path("url").asText());
                    }
                }
                default -> {
                }
            }
        }
        return new Page() {
            @Override
            public List<String> errors() {
                return List.copyOf(errors);
            }

            @Override
            public JsonNode eval(String expression) throws Exception {
                JsonNode r = send(session, "Runtime.evaluate", Map.of("expression", expression, "returnByValue", true));
                if (r.has("exceptionDetails")) {
                    throw new IllegalStateException("evaluating " + expression + ": " + r.get("exceptionDetails"));
                }
                return r.path("result").path("value");
            }

            @Override
            public byte[] screenshot() throws Exception {
                JsonNode r = send(session, "Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true));
                return java.util.Base64.getDecoder().decode(r.get("data").asText());
            }
        };
    }

    @Override
    public void close() throws Exception {
        try {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // the browser is killed below anyway
        }
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
