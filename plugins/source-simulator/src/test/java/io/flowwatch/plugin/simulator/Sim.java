package io.flowwatch.plugin.simulator;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.flowwatch.api.source.LineChunk;
import io.flowwatch.api.source.Position;
import io.flowwatch.api.source.SourceBatch;
import io.flowwatch.testkit.MutableClock;
import io.flowwatch.testkit.TestPluginContext;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Test harness: a simulator source built from HOCON over the plugin's reference.conf, with helpers to drain it. */
final class Sim {

    static final Instant T0 = Instant.parse("2024-05-01T00:00:00Z");
    /** Fast, finite, reproducible: what most tests want. */
    static final String FAST = "realtime = false, start = \"2024-05-01T00:00:00Z\"";
    static final String NO_SCENARIOS = "scenarios { ssh-brute-force.enabled = false, port-scan.enabled = false, "
            + "exfiltration.enabled = false }";

    final MutableClock clock;
    final TestPluginContext ctx;
    final SimulatorSource source;
    final Map<String, String> committed = new HashMap<>();

    private Sim(String hocon, MutableClock clock, Path state) {
        this.clock = clock;
        this.ctx = new TestPluginContext("sim", clock, state);
        this.source = (SimulatorSource) new SimulatorSourceFactory().create(config(hocon), ctx);
    }

    static Config config(String hocon) {
        return ConfigFactory.parseString(hocon)
                .withFallback(ConfigFactory.parseResources(Sim.class.getClassLoader(), "reference.conf")
                        .getConfig("flowwatch.defaults.sources.simulator"));
    }

    static Sim open(String hocon, Path state) {
        return open(hocon, state, new MutableClock(T0), Map.of());
    }

    static Sim open(String hocon, Path state, MutableClock clock, Map<String, String> committed) {
        Sim sim = new Sim(hocon, clock, state);
        sim.source.open(committed);
        sim.committed.putAll(committed);
        return sim;
    }

    SourceBatch poll() {
        return poll(Duration.ZERO);
    }

    SourceBatch poll(Duration maxWait) {
        try {
            SourceBatch b = source.poll(maxWait);
            for (Position p : b.positions()) {
                committed.put(p.partition(), p.offset());
            }
            return b;
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** Polls until {@code n} lines were read (or the source is caught up with nothing left). */
    List<String> lines(int n) {
        List<String> out = new ArrayList<>(n);
        while (out.size() < n) {
            SourceBatch b = poll();
            if (b.chunks().isEmpty()) {
                break;
            }
            for (LineChunk c : b.chunks()) {
                out.addAll(lines(c));
            }
        }
        return out.size() > n ? new ArrayList<>(out.subList(0, n)) : out;
    }

    static List<String> lines(LineChunk c) {
        String text = new String(c.data(), c.offset(), c.length(), StandardCharsets.US_ASCII);
        List<String> out = new ArrayList<>();
        int from = 0;
        while (from < text.length()) {
            int nl = text.indexOf('\n', from);
            int to = nl < 0 ? text.length() : nl;
            out.add(text.substring(from, to));
            from = to + 1;
        }
        return out;
    }

    /** A default-format record split into its fields, with accessors named like AWS's fields. */
    record Rec(String[] f) {
        static Rec of(String line) {
            return new Rec(line.split(" ", -1));
        }

        String eni() {
            return f[2];
        }

        String src() {
            return f[3];
        }

        String dst() {
            return f[4];
        }

        int dstport() {
            return Integer.parseInt(f[6]);
        }

        int protocol() {
            return Integer.parseInt(f[7]);
        }

        long bytes() {
            return Long.parseLong(f[9]);
        }

        long start() {
            return Long.parseLong(f[10]);
        }

        String action() {
            return f[12];
        }

        String status() {
            return f[13];
        }

        boolean ok() {
            return status().equals("OK");
        }
    }

    static List<Rec> recs(List<String> lines) {
        List<Rec> out = new ArrayList<>(lines.size());
        for (String l : lines) {
            out.add(Rec.of(l));
        }
        return out;
    }
}
