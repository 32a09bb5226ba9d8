package io.flowwatch.runtime.state;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowwatch.runtime.alert.AlertTracker;
import io.flowwatch.runtime.metrics.AgentMetrics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Firing alert episodes per rule, in {@code state-dir/alerts.json}, so a restart neither re-sends
 * an alert before its repeat interval nor forgets one that is still open. Written atomically
 * before source positions are committed.
 */
public final class AlertStateStore {

    private static final TypeReference<TreeMap<String, List<AlertTracker.Saved>>> TYPE = new TypeReference<>() {
    };

    private final Path file;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, List<AlertTracker.Saved>> current = new TreeMap<>();

    private final AgentMetrics metrics;

    public AlertStateStore(Path stateDir) {
        this(stateDir, null);
    }

    /** @param metrics where failed writes are counted ({@code flowwatch_state_write_failures_total{file="alert-state"}}), or null */
    public AlertStateStore(Path stateDir, AgentMetrics metrics) {
        this.file = stateDir.resolve("alerts.json");
        this.metrics = metrics;
    }

    public Path file() {
        return file;
    }

    /** What was saved, by rule name; empty when there is no file yet. */
    public synchronized Map<String, List<AlertTracker.Saved>> load() throws IOException {
        if (!Files.exists(file)) {
            return Map.of();
        }
        try {
            Map<String, List<AlertTracker.Saved>> m = json.readValue(file.toFile(), TYPE);
            current.putAll(m);
            return m;
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            // Keep the damaged file for a post-mortem; the next save writes a fresh one.
            Path aside = file.resolveSibling(file.getFileName() + ".corrupt");
            Files.move(file, aside, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            throw new IOException(file + ": not a valid alert state file (" + e.getOriginalMessage() + "); moved to " + aside, e);
        }
    }

    /** Replaces the rules' entries that changed and writes the file when any did. */
    public synchronized void save(Map<String, List<AlertTracker.Saved>> changed) throws IOException {
        if (changed.isEmpty()) {
            return;
        }
        current.putAll(changed);
        current.values().removeIf(List::isEmpty);
        try {
            AtomicFiles.write(file, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(current));
        } catch (IOException e) {
            if (metrics != null) {
                metrics.stateWriteFailures.labels("alert-state").inc();
            }
            throw new IOException("state-dir: cannot write alert state " + file + ": " + StateDir.reason(e)
                    + " (kept in memory and written again with the next checkpoint; positions wait for it)", e);
        }
    }
}
