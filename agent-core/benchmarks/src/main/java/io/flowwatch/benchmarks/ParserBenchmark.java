package io.flowwatch.benchmarks;

import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;
import io.flowwatch.api.source.LineChunk;
import io.flowwatch.runtime.parse.FlowLogParser;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The parser alone, on one thread: records per second over realistic lines (the score is
 * operations = records per second).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class ParserBenchmark {

    static final int RECORDS = 10_000;

    @Param({"default", "custom"})
    public String format;

    private FlowLogParser parser;
    private LineChunk chunk;

    @Setup
    public void setUp() {
        boolean custom = format.equals("custom");
        FlowLogGenerator g = new FlowLogGenerator(7, custom);
        FlowFormat f = FlowFormat.fromHeaderLine(g.header()).orElseThrow();
        byte[] data = g.lines(RECORDS);
        parser = new FlowLogParser(f);
        chunk = new LineChunk("bench", 2, data, 0, data.length, f, null);
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public void parse(Blackhole bh) {
        parser.parse(chunk, new FlowLogParser.Sink() {
            @Override
            public void record(FlowRecord record) {
                bh.consume(record);
            }

            @Override
            public void malformed(String origin, long lineNumber, String reason) {
                throw new IllegalStateException(origin + ":" + lineNumber + ": " + reason);
            }
        });
    }

    /** Sanity check for the generator: every line parses. */
    public static void main(String[] args) {
        ParserBenchmark b = new ParserBenchmark();
        for (String f : new String[]{"default", "custom"}) {
            b.format = f;
            b.setUp();
            int[] n = {0};
            b.parser.parse(b.chunk, new FlowLogParser.Sink() {
                @Override
                public void record(FlowRecord record) {
                    n[0]++;
                }

                @Override
                public void malformed(String origin, long lineNumber, String reason) {
                    throw new IllegalStateException(origin + ":" + lineNumber + ": " + reason + ": "
                            + new String(b.chunk.data(), StandardCharsets.US_ASCII).split("\n")[(int) lineNumber - 2]);
                }
            });
            System.out.println(f + ": " + n[0] + " records parsed");
        }
    }
}
