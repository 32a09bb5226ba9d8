package io.flowwatch.runtime.state;

import io.flowwatch.api.FlowwatchException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StateDirLockTest {

    @TempDir
    Path dir;

    @Test
    void theHolderWritesItsPidAndASecondLockInTheSameProcessIsRefused() throws Exception {
        Path state = dir.resolve("state");
        try (StateDirLock held = StateDirLock.acquire(state)) {
            assertThat(Files.readString(state.resolve(".lock"))).isEqualTo(ProcessHandle.current().pid() + "\n");
            assertThatThrownBy(() -> StateDirLock.acquire(state)).isInstanceOf(FlowwatchException.class)
                    .hasMessageContaining("state-dir " + state.toAbsolutePath() + " is in use by another flowwatch agent (pid "
                            + ProcessHandle.current().pid());
        }
        // Released on close: the next one gets it, over the stale pid.
        try (StateDirLock again = StateDirLock.acquire(state)) {
            assertThat(Files.exists(state.resolve(".lock"))).isTrue();
        }
    }

    @Test
    void aStateDirThatCannotBeCreatedIsNamed() throws Exception {
        Path file = Files.writeString(dir.resolve("plain-file"), "x");
        assertThatThrownBy(() -> StateDirLock.acquire(file.resolve("state"))).isInstanceOf(FlowwatchException.class)
                .hasMessageContaining("state-dir").hasMessageContaining("cannot be created");
    }
}
