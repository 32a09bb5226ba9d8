package io.flowwatch.benchmarks;

import io.flowwatch.api.FlowwatchException.Problem;
import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;
import io.flowwatch.api.source.LineChunk;
import io.flowwatch.runtime.AgentAssembler;
import io.flowwatch.runtime.config.ConfigLoader;
import io.flowwatch.runtime.metrics.AgentMetrics;
import io.flowwatch.runtime.parse.FlowLogParser;
import io.flowwatch.runtime.pipeline.BoundRule;
import io.flowwatch.runtime.pipeline.RuleEngine;
import io.flowwatch.runtime.plugin.PluginRuntime;
import io.prometheus.client.CollectorRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The rule engine with the shipped example rules (conf/rules.d, loaded through the real plugin
 * zips), one thread, over pre-parsed generated records: what evaluation costs per record, without
 * I/O or parsing. Run from the repository root after {@code mvn package}; the plugins directory is
 * {@code -Dflowwatch.bench.plugins} (default: the packaged distribution's).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RuleEngineBenchmark {

    static final int RECORDS = 1_000_000;
    static final int BATCH = 4096;

    PluginRuntime plugins;
    List<FlowRecord> records;
    ConfigLoader.LoadedRules rules;
    Path state;
    RuleEngine engine;

    @Setup(Level.Trial)
    public void load() throws IOException {
        // Every invocation assembles fresh rules, and each says so at INFO: keep the score readable.
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("io.flowwatch"))
                .setLevel(ch.qos.logback.classic.Level.WARN);
        Path pluginsDir = Paths.get(System.getProperty("flowwatch.bench.plugins", distPlugins()));
        plugins = PluginRuntime.load(pluginsDir);
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(Paths.get("conf/rules.d"))) {
            s.filter(p -> p.toString().endsWith(".conf")).sorted().forEach(files::add);
        }
        rules = new ConfigLoader().loadRules(files);
        if (!rules.problems().isEmpty()) {
            throw new IllegalStateException(rules.problems().toString());
        }
        FlowLogGenerator g = new FlowLogGenerator(7, false);
        byte[] lines = g.lines(RECORDS);
        records = new ArrayList<>(RECORDS);
        new FlowLogParser(FlowFormat.DEFAULT).parse(LineChunk.of("bench", 1, lines, FlowFormat.DEFAULT), new FlowLogParser.Sink() {
            @Override
            public void record(FlowRecord record) {
                records.add(record);
            }

            @Override
            public void malformed(String origin, long lineNumber, String reason) {
                throw new IllegalStateException(reason);
            }
        });
        state = Files.createTempDirectory("flowwatch-bench-state");
    }

    static String distPlugins() {
        try (Stream<Path> s = Files.list(Paths.get("packaging/target"))) {
            return s.filter(p -> p.getFileName().toString().equals("flowwatch-dist")).findFirst()
                    .map(p -> p.resolve("plugins").toString()).orElse("packaging/target/flowwatch-dist/plugins");
        } catch (IOException e) {
            return "packaging/target/flowwatch-dist/plugins";
        }
    }

    /** Fresh rules per pass: windows, keys and learned values start empty, as after a start. */
    @Setup(Level.Invocation)
    public void freshEngine() {
        List<Problem> problems = new ArrayList<>();
        List<BoundRule> bound = new AgentAssembler(plugins.catalog(), Clock.systemUTC(), null)
                .assembleRules(rules.rules(), state, problems);
        if (!problems.isEmpty()) {
            throw new IllegalStateException(problems.toString());
        }
        engine = new RuleEngine(bound, Duration.ofMinutes(10), new AgentMetrics(new CollectorRegistry(), false));
        engine.register("bench");
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public void exampleRules(Blackhole bh) {
        for (int i = 0; i < RECORDS; i += BATCH) {
            bh.consume(engine.process("bench", records.subList(i, Math.min(RECORDS, i + BATCH))));
        }
        bh.consume(engine.finish("bench"));
    }

    @TearDown(Level.Trial)
    public void close() {
        plugins.close();
    }
}
