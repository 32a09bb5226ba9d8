package io.flowwatch.benchmarks;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a whole process spent its CPU, from a flight recording made with
 * {@code flowwatch-profile.jfc}: CPU seconds per thread (threads of one pool counted together), the
 * methods each busy thread was sampled in, and the JIT's compile time by method. On a saturated
 * machine the question is not what waits but what burns CPU, and by whom: this answers it in one
 * screen (BENCHMARKS.md, "How to profile a run").
 *
 * <pre>java -cp benchmarks.jar io.flowwatch.benchmarks.ProfileSummary run.jfr [TOP]</pre>
 */
public final class ProfileSummary {

    /** CPU time of one thread (or pool), with its samples by method. */
    static final class ThreadUse {
        final String name;
        double cpuSeconds;
        int samples;
        final Map<String, Integer> selfByMethod = new HashMap<>();

        ThreadUse(String name) {
            this.name = name;
        }
    }

    record Compile(String method, double millis, int count) {
    }

    private final Map<String, ThreadUse> threads = new HashMap<>();
    private final Map<String, double[]> compiles = new HashMap<>();
    private final Map<String, Instant> lastLoadSample = new HashMap<>();
    private int hardwareThreads;
    private double gcPauseSeconds;
    private int deoptimizations;

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: ProfileSummary RECORDING.jfr [TOP]");
            System.exit(2);
        }
        int top = args.length > 1 ? Integer.parseInt(args[1]) : 12;
        read(Path.of(args[0])).print(System.out, top);
    }

    static ProfileSummary read(Path recording) throws IOException {
        ProfileSummary s = new ProfileSummary();
        List<RecordedEvent> loads = new ArrayList<>();
        try (RecordingFile f = new RecordingFile(recording)) {
            while (f.hasMoreEvents()) {
                RecordedEvent e = f.readEvent();
                switch (e.getEventType().getName()) {
                    case "jdk.CPUInformation" -> s.hardwareThreads = e.getInt("hwThreads");
                    case "jdk.ThreadCPULoad" -> loads.add(e);
                    case "jdk.ExecutionSample" -> s.sample(e);
                    case "jdk.Compilation" -> s.compiled(e);
                    case "jdk.Deoptimization" -> s.deoptimizations++;
                    case "jdk.GarbageCollection" -> s.gcPauseSeconds += e.getDouble("sumOfPauses") / 1e9;
                    default -> {
                    }
                }
            }
        }
        loads.sort(Comparator.comparing(RecordedEvent::getStartTime));
        for (RecordedEvent e : loads) {
            s.load(e);
        }
        return s;
    }

    /** Thread-pool members ("source-bench-1", "C2 CompilerThread0") count as their pool. */
    static String poolOf(String threadName) {
        return threadName == null ? "?" : threadName.replaceAll("[-# ]?\\d+$", "#");
    }

    private ThreadUse use(RecordedThread t) {
        String name = poolOf(t == null ? null : t.getJavaName() != null ? t.getJavaName() : t.getOSName());
        return threads.computeIfAbsent(name, ThreadUse::new);
    }

    private void load(RecordedEvent e) {
        // The load is a share of the whole machine over the time since the thread's last sample.
        RecordedThread t = e.getThread("eventThread");
        String key = t == null ? "?" : t.getOSName() + "/" + t.getJavaThreadId();
        Instant previous = lastLoadSample.put(key, e.getStartTime());
        if (previous == null) {
            return;
        }
        double seconds = Duration.between(previous, e.getStartTime()).toNanos() / 1e9;
        double share = e.getFloat("user") + e.getFloat("system");
        int cpus = hardwareThreads > 0 ? hardwareThreads : Runtime.getRuntime().availableProcessors();
        use(t).cpuSeconds += share * cpus * seconds;
    }

    private void sample(RecordedEvent e) {
        ThreadUse u = use(e.getThread("sampledThread"));
        u.samples++;
        RecordedStackTrace st = e.getStackTrace();
        if (st != null && !st.getFrames().isEmpty()) {
            u.selfByMethod.merge(describe(st.getFrames().get(0)), 1, Integer::sum);
        }
    }

    private void compiled(RecordedEvent e) {
        RecordedMethod m = e.getValue("method");
        if (m == null) {
            return;
        }
        String name = m.getType().getName() + "." + m.getName() + " (tier " + e.getValue("compileLevel") + ")";
        double[] c = compiles.computeIfAbsent(name, k -> new double[2]);
        c[0] += e.getDuration().toNanos() / 1e6;
        c[1]++;
    }

    private static String describe(RecordedFrame f) {
        RecordedMethod m = f.getMethod();
        String type = m.getType().getName();
        return type.substring(type.lastIndexOf('.') + 1) + "." + m.getName() + ":" + f.getLineNumber();
    }

    List<ThreadUse> threadsByCpu() {
        List<ThreadUse> list = new ArrayList<>(threads.values());
        list.sort(Comparator.comparingDouble((ThreadUse u) -> -u.cpuSeconds).thenComparing(u -> -u.samples));
        return list;
    }

    List<Compile> compilesByTime() {
        List<Compile> list = new ArrayList<>();
        compiles.forEach((m, c) -> list.add(new Compile(m, c[0], (int) c[1])));
        list.sort(Comparator.comparingDouble((Compile c) -> -c.millis()));
        return list;
    }

    void print(PrintStream out, int top) {
        List<ThreadUse> byCpu = threadsByCpu();
        double total = byCpu.stream().mapToDouble(u -> u.cpuSeconds).sum();
        out.printf("CPU by thread (Java threads; GC workers are native and not listed): %.2f s in all%n", total);
        for (ThreadUse u : byCpu) {
            if (u.cpuSeconds >= 0.01 || u.samples > 0) {
                out.printf("  %7.2f s  %-28s %6d samples%n", u.cpuSeconds, u.name, u.samples);
            }
        }
        for (ThreadUse u : byCpu.subList(0, Math.min(4, byCpu.size()))) {
            if (u.samples == 0) {
                continue;
            }
            out.printf("%nSampled in (self), thread %s:%n", u.name);
            u.selfByMethod.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(top)
                    .forEach(e -> out.printf("  %5.1f%%  %s%n", 100.0 * e.getValue() / u.samples, e.getKey()));
        }
        List<Compile> c = compilesByTime();
        double jit = c.stream().mapToDouble(Compile::millis).sum();
        out.printf("%nJIT: %d compilations, %.2f s of compile time, %d deoptimisations; GC pauses %.2f s. Longest:%n",
                c.stream().mapToInt(Compile::count).sum(), jit / 1000, deoptimizations, gcPauseSeconds);
        c.stream().limit(top).forEach(x -> out.printf("  %7.0f ms %3dx  %s%n", x.millis(), x.count(), x.method()));
    }
}
