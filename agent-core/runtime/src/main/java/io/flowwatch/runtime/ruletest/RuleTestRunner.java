package io.flowwatch.runtime.ruletest;

import io.flowwatch.api.FlowwatchException.Problem;
import io.flowwatch.api.notify.Alert;
import io.flowwatch.api.record.FlowRecord;
import io.flowwatch.runtime.AgentAssembler;
import io.flowwatch.runtime.config.ConfigLoader;
import io.flowwatch.runtime.metrics.AgentMetrics;
import io.flowwatch.runtime.notify.NotificationDispatcher.Routed;
import io.flowwatch.runtime.parse.FlowLogParser;
import io.flowwatch.runtime.pipeline.BoundRule;
import io.flowwatch.runtime.pipeline.RuleEngine;
import io.flowwatch.runtime.plugin.PluginCatalog;
import io.prometheus.client.CollectorRegistry;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runs the tests of rule test files. Each test gets fresh rules (and a fresh state directory, so
 * learned state does not leak between tests), feeds its records in event-time order, and at each
 * evaluation time compares the alerts then active — firing, or resolved since the previous
 * evaluation time — with the expected ones.
 */
public final class RuleTestRunner {

    /** The outcome of one file. */
    public record Outcome(int passed, int failed, List<Problem> problems) {
    }

    private static final String SOURCE = "test";

    private final PluginCatalog catalog;
    private final PrintStream out;

    public RuleTestRunner(PluginCatalog catalog, PrintStream out) {
        this.catalog = catalog;
        this.out = out;
    }

    public Outcome run(Path file) {
        List<Problem> problems = new ArrayList<>();
        RuleTestFile tf = RuleTestFile.parse(file, problems);
        if (tf == null || !problems.isEmpty()) {
            return new Outcome(0, 0, problems);
        }
        ConfigLoader.LoadedRules loaded = new ConfigLoader().loadRules(tf.ruleFiles());
        if (!loaded.problems().isEmpty()) {
            return new Outcome(0, 0, loaded.problems());
        }
        out.println(file + ":");
        int passed = 0;
        int failed = 0;
        for (RuleTestFile.TestCase t : tf.tests()) {
            List<String> failures = new ArrayList<>();
            Path state = tempDir();
            try {
                List<Problem> buildProblems = new ArrayList<>();
                List<BoundRule> rules = new AgentAssembler(catalog, Clock.systemUTC(), null)
                        .assembleRules(loaded.rules(), state, buildProblems);
                if (!buildProblems.isEmpty()) {
                    return new Outcome(passed, failed, buildProblems);
                }
                runOne(t, rules, failures);
                rules.forEach(b -> b.rule().close());
            } finally {
                deleteTree(state);
            }
            if (failures.isEmpty()) {
                passed++;
                out.println("  ok    " + t.name());
            } else {
                failed++;
                out.println("  FAIL  " + t.name() + "  (" + t.origin() + ")");
                failures.forEach(f -> out.println("        " + f));
            }
        }
        return new Outcome(passed, failed, List.of());
    }

    private void runOne(RuleTestFile.TestCase t, List<BoundRule> rules, List<String> failures) {
        FlowLogParser parser = new FlowLogParser(t.format());
        List<FlowRecord> records = new ArrayList<>();
        for (int i = 0; i < t.lines().size(); i++) {
            String line = t.lines().get(i);
            var r = parser.parseLine(t.format(), line);
            if (r.isPresent()) {
                records.add(r.get());
            } else if (parser.lastReason() != null) {
                failures.add(t.lineOrigins().get(i) + ": input line is not a record (" + parser.lastReason() + "): " + line);
            }
        }
        if (!failures.isEmpty()) {
            return;
        }
        records.sort(Comparator.comparingLong(FlowRecord::eventTime)); // stable: equal times keep their order
        RuleEngine engine = new RuleEngine(rules, Duration.ZERO, new AgentMetrics(new CollectorRegistry(), false));
        engine.register(SOURCE);

        Map<String, Alert> active = new LinkedHashMap<>();
        int next = 0;
        for (RuleTestFile.Checkpoint cp : t.checkpoints()) {
            List<Alert> resolvedSince = new ArrayList<>();
            int end = next;
            while (end < records.size() && (cp.at() == Long.MAX_VALUE || records.get(end).eventTime() < cp.at())) {
                end++;
            }
            if (end > next) {
                track(engine.process(SOURCE, records.subList(next, end)), active, resolvedSince);
                next = end;
            }
            track(cp.at() == Long.MAX_VALUE ? engine.finish(SOURCE) : engine.advanceTo(cp.at()), active, resolvedSince);

            List<Alert> actual = new ArrayList<>(active.values());
            actual.addAll(resolvedSince);
            if (!t.onlyRules().isEmpty()) {
                actual.removeIf(a -> !t.onlyRules().contains(a.rule()));
            }
            compare(cp, actual, failures);
        }
    }

    private static void track(List<Routed> routed, Map<String, Alert> active, List<Alert> resolvedSince) {
        for (Routed r : routed) {
            Alert a = r.alert();
            String key = a.rule() + a.labels();
            if (a.state() == Alert.State.FIRING) {
                active.put(key, a);
            } else {
                active.remove(key);
                resolvedSince.add(a);
            }
        }
    }

    private static void compare(RuleTestFile.Checkpoint cp, List<Alert> actual, List<String> failures) {
        List<RuleTestFile.Expected> missing = new ArrayList<>();
        List<Alert> unmatched = new ArrayList<>(actual);
        for (RuleTestFile.Expected e : cp.alerts()) {
            Alert hit = null;
            for (Alert a : unmatched) {
                if (a.rule().equals(e.rule()) && a.state().wireName().equals(e.state()) && new TreeMap<>(a.labels()).equals(e.labels())
                        && (e.value() == null || Math.abs(a.value() - e.value()) < 1e-9)) {
                    hit = a;
                    break;
                }
            }
            if (hit == null) {
                missing.add(e);
            } else {
                unmatched.remove(hit);
            }
        }
        if (missing.isEmpty() && unmatched.isEmpty()) {
            return;
        }
        failures.add("at " + when(cp.at()) + " (" + cp.origin() + "):");
        for (RuleTestFile.Expected e : missing) {
            failures.add("  - expected   " + e);
        }
        for (Alert a : unmatched) {
            failures.add("  + got        " + a.rule() + " " + a.state().wireName() + " " + new TreeMap<>(a.labels())
                    + " value " + number(a.value()) + "   \"" + a.summary() + "\"");
        }
    }

    static String when(long at) {
        return at == Long.MAX_VALUE ? "end of input" : Instant.ofEpochSecond(at) + " [" + at + "]";
    }

    static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("flowwatch-test-rules");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary state directory", e);
        }
    }

    private static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind is harmless
        }
    }
}
