package io.flowwatch.benchmarks;

import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ProfileSummaryTest {

    static volatile long sink;

    @TempDir
    Path tmp;

    @Test
    void poolMembersCountAsTheirPool() {
        assertThat(ProfileSummary.poolOf("source-bench-1")).isEqualTo("source-bench#");
        assertThat(ProfileSummary.poolOf("C2 CompilerThread0")).isEqualTo("C2 CompilerThread#");
        assertThat(ProfileSummary.poolOf("source-bench-eval")).isEqualTo("source-bench-eval");
        assertThat(ProfileSummary.poolOf("main")).isEqualTo("main");
    }

    @Test
    void aBusyThreadShowsWithItsCpuTimeAndTheMethodItSpinsIn() throws Exception {
        Path file = tmp.resolve("busy.jfr");
        try (Recording r = new Recording(Configuration.create(Path.of("flowwatch-profile.jfc")))) {
            r.start();
            Thread busy = new Thread(() -> spinFor(3_000), "busy-worker-1");
            busy.start();
            busy.join();
            r.stop();
            r.dump(file);
        }
        ProfileSummary s = ProfileSummary.read(file);
        ProfileSummary.ThreadUse worker = s.threadsByCpu().stream().filter(u -> u.name.equals("busy-worker#")).findFirst().orElseThrow();
        // Three seconds of spinning: at least some of it shows, however busy the machine.
        assertThat(worker.cpuSeconds).isGreaterThan(0.2);
        assertThat(worker.samples).isPositive();
        assertThat(worker.selfByMethod.keySet()).anyMatch(m -> m.startsWith("ProfileSummaryTest.spinFor:"));
        assertThat(s.compilesByTime()).isNotEmpty();

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        s.print(new PrintStream(out, true, StandardCharsets.UTF_8), 5);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("CPU by thread", "busy-worker#", "Sampled in (self), thread",
                "JIT:");
    }

    private static void spinFor(long millis) {
        long end = System.nanoTime() + millis * 1_000_000;
        long x = 1;
        while (System.nanoTime() < end) {
            x = x * 6364136223846793005L + 1442695040888963407L;
        }
        sink = x;
    }
}
