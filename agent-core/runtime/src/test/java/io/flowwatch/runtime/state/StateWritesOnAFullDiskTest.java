package io.flowwatch.runtime.state;

import io.flowwatch.api.notify.Alert;
import io.flowwatch.api.notify.DeliveryResult;
import io.flowwatch.api.rule.Severity;
import io.flowwatch.runtime.alert.AlertTracker;
import io.flowwatch.runtime.metrics.AgentMetrics;
import io.flowwatch.runtime.notify.DeliverySettings;
import io.flowwatch.runtime.notify.Outbox;
import io.prometheus.client.CollectorRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Each kind of state-dir write on a file system that is really full (a 512 KiB tmpfs): the error
 * names state-dir, the file and "No space left on device", it is counted per file kind, the file
 * keeps its previous content, no torn temp file is left to eat space, and the write succeeds once
 * space returns.
 */
class StateWritesOnAFullDiskTest {

    @TempDir
    Path tmp;
    Path stateDir;
    TmpfsMount mount;
    AgentMetrics metrics = new AgentMetrics(new CollectorRegistry(true), false);

    @BeforeEach
    void mountSmallDisk() throws Exception {
        stateDir = tmp.resolve("state");
        mount = TmpfsMount.mount(stateDir, 512);
    }

    @AfterEach
    void unmount() throws Exception {
        if (mount != null) {
            mount.close();
        }
    }

    double failures(String file) {
        Double v = metrics.registry().getSampleValue("flowwatch_state_write_failures_total", new String[]{"file"}, new String[]{file});
        return v == null ? 0 : v;
    }

    static List<String> tempFiles(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList();
        }
    }

    @Test
    void aCheckpointThatCannotBeWrittenKeepsThePreviousPositionsAndIsWrittenOnceSpaceReturns() throws Exception {
        CheckpointStore store = new CheckpointStore(stateDir, metrics);
        CheckpointStore.Manifest first = store.commit(store.load(), null, Map.of("local", Map.of("a.log.gz", "100")), Map.of());
        mount.fill();

        Map<String, Map.Entry<String, CheckpointStore.StateWriter>> ruleState =
                Map.of("ssh", Map.entry("def", out -> out.write(new byte[64_000])));
        assertThatThrownBy(() -> store.commit(first, null, Map.of("local", Map.of("a.log.gz", "200", "b.log.gz", "5".repeat(8000))),
                ruleState))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("state-dir: cannot write checkpoint in " + stateDir.resolve("checkpoints"))
                .hasMessageContaining("No space left on device");
        assertThat(failures("checkpoint")).isEqualTo(1);
        assertThat(store.load().positions().get("local")).as("the committed positions are as before")
                .containsExactly(Map.entry("a.log.gz", "100"));
        assertThat(tempFiles(stateDir)).isEmpty();
        assertThat(stateDir.resolve("checkpoints/rules-2")).as("the failed attempt's rule state is given back").doesNotExist();

        mount.free();
        store.commit(store.load(), null, Map.of("local", Map.of("a.log.gz", "200")), ruleState);
        assertThat(store.load().positions().get("local")).containsExactly(Map.entry("a.log.gz", "200"));
    }

    @Test
    void alertStateThatCannotBeWrittenKeepsTheFileAndIsWrittenOnceSpaceReturns() throws Exception {
        AlertStateStore store = new AlertStateStore(stateDir, metrics);
        AlertTracker.Saved one = new AlertTracker.Saved(Map.of("srcaddr", "192.0.2.1"), "id-1", 0, 300, 150, 100, 0, 300, "s");
        store.save(Map.of("ssh", List.of(one)));
        String before = Files.readString(store.file());
        mount.fill();

        AlertTracker.Saved big = new AlertTracker.Saved(Map.of("srcaddr", "192.0.2.2"), "id-2", 0, 300, 150, 100, 0, 300,
                "x".repeat(20_000));
        assertThatThrownBy(() -> store.save(Map.of("ssh", List.of(one, big))))
                .hasMessageContaining("state-dir: cannot write alert state " + store.file())
                .hasMessageContaining("No space left on device");
        assertThat(failures("alert-state")).isEqualTo(1);
        assertThat(Files.readString(store.file())).isEqualTo(before);
        assertThat(tempFiles(stateDir)).isEmpty();

        mount.free();
        store.save(Map.of("ssh", List.of(one, big)));
        assertThat(new AlertStateStore(stateDir).load().get("ssh")).hasSize(2);
    }

    @Test
    void anOutboxEntryThatCannotBeWrittenIsRefusedWithoutAHoleInTheQueueAndStoredOnceSpaceReturns() throws Exception {
        List<String> delivered = new CopyOnWriteArrayList<>();
        Outbox outbox = new Outbox("hook", a -> {
            delivered.add(a.id());
            return DeliveryResult.delivered();
        }, new DeliverySettings(6000, 100, Duration.ofMillis(50), Duration.ofMillis(100)), stateDir.resolve("outbox/hook"), metrics);
        outbox.start();
        try {
            outbox.enqueue(alert("a-1"));
            awaitDelivered(delivered, 1);
            // Its file is deleted after delivery, which would give space back below: wait for that first.
            while (Files.exists(stateDir.resolve("outbox/hook/00000000000000000000.json"))) {
                Thread.sleep(10);
            }
            mount.fill();
            assertThatThrownBy(() -> outbox.enqueue(alert("a-2")))
                    .hasMessageContaining("state-dir: cannot write outbox entry " + stateDir.resolve("outbox/hook"))
                    .hasMessageContaining("No space left on device");
            assertThatThrownBy(() -> outbox.enqueue(alert("a-2"))).hasMessageContaining("No space left on device");
            assertThat(failures("outbox")).isEqualTo(2);
            assertThat(tempFiles(stateDir)).isEmpty();

            mount.free();
            outbox.enqueue(alert("a-2"));
            outbox.enqueue(alert("a-3"));
            awaitDelivered(delivered, 3);
            assertThat(delivered).containsExactly("a-1", "a-2", "a-3");
        } finally {
            outbox.drainAndStop(Duration.ofSeconds(1));
        }
    }

    static void awaitDelivered(List<String> delivered, int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (delivered.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    static Alert alert(String id) {
        return new Alert(id, "ssh", Severity.HIGH, Alert.State.FIRING, Map.of("srcaddr", "192.0.2.1"), 150, 100,
                Instant.ofEpochSecond(0), null, "summary " + "y".repeat(2000), "", List.of());
    }
}
