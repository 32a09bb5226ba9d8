package io.flowwatch.benchmarks;

import io.flowwatch.api.FlowwatchException.Problem;
import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;
import io.flowwatch.api.rule.RuleOutput;
import io.flowwatch.api.rule.Signal;
import io.flowwatch.runtime.AgentAssembler;
import io.flowwatch.runtime.config.ConfigLoader;
import io.flowwatch.runtime.pipeline.BoundRule;
import io.flowwatch.runtime.plugin.PluginRuntime;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Memory bound check: a frequency rule keyed by source address over 1M distinct sources in one
 * window. Run with {@code -Xmx512m}; it prints the heap in use with all keys held, or dies with
 * OutOfMemoryError. Usage: DistinctKeysCheck [KEYS].
 */
public final class DistinctKeysCheck {

    public static void main(String[] args) throws Exception {
        int keys = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        Path dir = Files.createTempDirectory("flowwatch-keys");
        Path ruleFile = dir.resolve("r.conf");
        Files.writeString(ruleFile, "rules = [ { name = per-source, type = frequency, group-by = [srcaddr], window = 1h,"
                + " threshold = 1000000, max-keys = 2000000 } ]\n");
        try (PluginRuntime plugins = PluginRuntime.load(Paths.get(System.getProperty("flowwatch.bench.plugins",
                RuleEngineBenchmark.distPlugins())))) {
            ConfigLoader.LoadedRules loaded = new ConfigLoader().loadRules(List.of(ruleFile));
            List<Problem> problems = new ArrayList<>(loaded.problems());
            List<BoundRule> rules = new AgentAssembler(plugins.catalog(), Clock.systemUTC(), null)
                    .assembleRules(loaded.rules(), dir, problems);
            if (!problems.isEmpty()) {
                throw new IllegalStateException(problems.toString());
            }
            var rule = rules.get(0).rule();
            RuleOutput out = new RuleOutput() {
                @Override
                public void firing(Signal signal) {
                }

                @Override
                public void resolved(Map<String, String> key, long eventTime) {
                }
            };
            long t0 = 1_764_000_000L;
            long start = System.nanoTime();
            for (int i = 0; i < keys; i++) {
                String src = (11 + (i >>> 16)) + "." + ((i >>> 8) & 255) + "." + (i & 255) + ".7";
                rule.onRecord(FlowRecord.builder(FlowFormat.DEFAULT).set(0, 2).set(3, src).set(4, "10.0.0.1")
                        .set(10, t0 + (i % 3000)).set(11, t0 + (i % 3000) + 1).set(12, "REJECT").set(13, "OK").build(), out);
            }
            double secs = (System.nanoTime() - start) / 1e9;
            System.gc();
            long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            long max = Runtime.getRuntime().maxMemory();
            System.out.printf("distinct-keys: %d keys tracked by a frequency rule in %.1f s; heap in use after GC %d MB of %d MB max (%d bytes per key)%n",
                    rule.trackedKeys(), secs, used >> 20, max >> 20, used / Math.max(1, rule.trackedKeys()));
        }
    }
}
