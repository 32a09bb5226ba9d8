package io.flowwatch.runtime.state;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CheckpointStoreTest {

    @TempDir
    Path state;

    static Map<String, Map.Entry<String, CheckpointStore.StateWriter>> rules(String... nameAndText) {
        Map<String, Map.Entry<String, CheckpointStore.StateWriter>> m = new LinkedHashMap<>();
        for (int i = 0; i < nameAndText.length; i += 2) {
            byte[] bytes = nameAndText[i + 1].getBytes(StandardCharsets.UTF_8);
            m.put(nameAndText[i], Map.entry("def-" + nameAndText[i], out -> out.write(bytes)));
        }
        return m;
    }

    static String read(CheckpointStore store, CheckpointStore.Manifest m, String rule) throws IOException {
        try (InputStream in = store.openRuleState(m, rule)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void aCommitHoldsPositionsWatermarkAndRuleStateTogether() throws IOException {
        CheckpointStore store = new CheckpointStore(state);
        CheckpointStore.Manifest first = store.commit(store.load(), 1000L, Map.of("s3", Map.of("k", "a/b.gz")),
                rules("ssh", "open windows", "quiet", ""));
        CheckpointStore.Manifest second = store.commit(first, 2000L, Map.of("s3", Map.of("k", "a/c.gz")), rules("ssh", "later windows"));

        CheckpointStore.Manifest loaded = new CheckpointStore(state).load();
        assertThat(loaded).isEqualTo(second);
        assertThat(loaded.generation()).isEqualTo(2);
        assertThat(loaded.watermark()).isEqualTo(2000L);
        assertThat(loaded.positions()).isEqualTo(Map.of("s3", Map.of("k", "a/c.gz")));
        assertThat(loaded.rules()).as("a rule that wrote nothing is left out").containsOnlyKeys("ssh");
        assertThat(loaded.rules().get("ssh").definition()).isEqualTo("def-ssh");
        assertThat(read(store, loaded, "ssh")).isEqualTo("later windows");
        assertThat(read(store, loaded, "quiet")).isNull();
        assertThat(state.resolve("checkpoints/rules-1")).as("the previous generation is removed").doesNotExist();
    }

    @Test
    void aDamagedOrMissingStateFileIsAnErrorNamingTheFile() throws IOException {
        CheckpointStore store = new CheckpointStore(state);
        CheckpointStore.Manifest m = store.commit(store.load(), null, Map.of(), rules("ssh", "open windows of ssh"));
        Path file = state.resolve("checkpoints").resolve(m.rules().get("ssh").file());
        byte[] bytes = Files.readAllBytes(file);
        bytes[3] ^= 0x20;
        Files.write(file, bytes);
        assertThatThrownBy(() -> store.openRuleState(m, "ssh")).isInstanceOf(IOException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("checksum mismatch");
        Files.write(file, new byte[]{1, 2});
        assertThatThrownBy(() -> store.openRuleState(m, "ssh")).hasMessageContaining("cut short");
        Files.delete(file);
        assertThatThrownBy(() -> store.openRuleState(m, "ssh")).hasMessageContaining("missing");
    }

    @Test
    void aCrashBeforeTheManifestLeavesThePreviousCheckpointWhole() throws IOException {
        CheckpointStore store = new CheckpointStore(state);
        CheckpointStore.Manifest m = store.commit(store.load(), 1000L, Map.of("s3", Map.of("k", "1")), rules("ssh", "one"));
        // What a crash leaves of the next attempt: a half-written generation and a torn temp manifest.
        Files.createDirectories(state.resolve("checkpoints/rules-2"));
        Files.writeString(state.resolve("checkpoints/rules-2/ssh.state"), "half");
        Files.writeString(state.resolve("checkpoints/.checkpoint.json.tmp"), "{\"generation\":");

        CheckpointStore.Manifest after = new CheckpointStore(state).load();
        assertThat(after).isEqualTo(m);
        assertThat(read(store, after, "ssh")).isEqualTo("one");
        CheckpointStore.Manifest next = store.commit(after, 2000L, Map.of("s3", Map.of("k", "2")), rules("ssh", "two"));
        assertThat(read(store, next, "ssh")).isEqualTo("two");
    }

    @Test
    void aCorruptManifestIsAnErrorNamingIt() throws IOException {
        Files.createDirectories(state.resolve("checkpoints"));
        Files.writeString(state.resolve("checkpoints/checkpoint.json"), "{\"generation\": [");
        assertThatThrownBy(() -> new CheckpointStore(state).load()).isInstanceOf(IOException.class)
                .hasMessageContaining("checkpoint.json").hasMessageContaining("corrupt checkpoint manifest");
    }

    @Test
    void positionsOfTheOlderLayoutAreTakenOverAndThenRemoved() throws IOException {
        Files.createDirectories(state.resolve("checkpoints"));
        Files.writeString(state.resolve("checkpoints/local.properties"), "# old\nflowlogs/a.log.gz=done\n");
        CheckpointStore store = new CheckpointStore(state);
        CheckpointStore.Manifest old = store.load();
        assertThat(old.positions()).isEqualTo(Map.of("local", Map.of("flowlogs/a.log.gz", "done")));
        store.commit(old, null, old.positions(), Map.of());
        assertThat(state.resolve("checkpoints/local.properties")).doesNotExist();
        assertThat(new CheckpointStore(state).load().positions()).isEqualTo(old.positions());
    }

    @Test
    void aRuleThatFailsToSaveIsLeftOutAndTheRestIsCommitted() throws IOException {
        CheckpointStore store = new CheckpointStore(state);
        Map<String, Map.Entry<String, CheckpointStore.StateWriter>> rules = new LinkedHashMap<>(rules("good", "fine"));
        rules.put("broken", Map.entry("d", out -> {
            out.write(new byte[100]);
            throw new CheckpointStore.SkipRule("broken", new IllegalStateException("bug"));
        }));
        CheckpointStore.Manifest m = store.commit(store.load(), null, Map.of("s", Map.of("p", "1")), rules);
        assertThat(m.rules()).containsOnlyKeys("good");
        assertThat(m.positions()).containsKey("s");
    }
}
