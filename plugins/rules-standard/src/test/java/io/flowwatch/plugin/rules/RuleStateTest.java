package io.flowwatch.plugin.rules;

import com.typesafe.config.ConfigFactory;
import io.flowwatch.api.record.FlowField;
import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;
import io.flowwatch.api.rule.Rule;
import io.flowwatch.api.rule.RuleOutput;
import io.flowwatch.api.rule.RuleSpec;
import io.flowwatch.api.rule.RuleTypeFactory;
import io.flowwatch.api.rule.Severity;
import io.flowwatch.api.rule.Signal;
import io.flowwatch.api.rule.StateInput;
import io.flowwatch.api.rule.StateOutput;
import io.flowwatch.plugin.rules.metricfilter.MetricFilterRuleFactory;
import io.flowwatch.testkit.MutableClock;
import io.flowwatch.testkit.TestPluginContext;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A rule that saves its state, is replaced by a fresh instance that restores it, and goes on,
 * raises exactly what one uninterrupted instance raises: the promise a restart from a checkpoint
 * rests on. Each rule type runs on a generated stream with attacks in it, cut at many points
 * (inside windows, at their edges, between watermarks).
 */
class RuleStateTest {

    @TempDir
    Path dir;

    static final long T0 = 1_764_000_000L - (1_764_000_000L % 3600);

    record Case(String type, RuleTypeFactory factory, String hocon) {
        @Override
        public String toString() {
            return type + " " + hocon;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("frequency", new FrequencyRuleFactory(),
                        "match { action = REJECT }, group-by = [srcaddr], window = 1m, threshold = 25"),
                new Case("cardinality", new CardinalityRuleFactory(),
                        "group-by = [srcaddr], distinct = dstport, window = 2m, threshold = 30, exact-limit = 40"),
                new Case("cardinality", new CardinalityRuleFactory(),
                        "group-by = [srcaddr], distinct = dstport, window = 2m, threshold = 30, exact-limit = 8"),
                new Case("spike", new SpikeRuleFactory(),
                        "group-by = [srcaddr], sum = bytes, window = 1m, baseline = 5m, factor = 4, min-volume = 100000"),
                new Case("metric-filter", new MetricFilterRuleFactory(),
                        "pattern = \"[version, account, eni, source, destination, srcport, destport=22, protocol, packets, bytes, start, end, action=\\\"REJECT\\\", status]\", "
                                + "metric { name = ssh_rejects }, alarm { period = 1m, evaluation-periods = 3, "
                                + "datapoints-to-alarm = 2, threshold = 15, treat-missing-data = not-breaching }"),
                new Case("ip-list", new IpListRuleFactory(), "files = [LIST], match = either, window = 2m"));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void aRuleRestoredFromItsSavedStateGoesOnAsIfNeverStopped(Case c) throws Exception {
        List<FlowRecord> stream = stream(42);
        List<String> whole = run(c, stream, new int[0]);
        assertThat(whole).as("the stream must make the rule fire and resolve, or the test proves nothing")
                .anyMatch(s -> s.startsWith("fire")).anyMatch(s -> s.startsWith("resolve"));
        Random cuts = new Random(7);
        for (int round = 0; round < 6; round++) {
            int[] at = cuts.ints(1 + round, 1, stream.size()).sorted().distinct().toArray();
            assertThat(run(c, stream, at)).as("cut at %s", Arrays.toString(at)).isEqualTo(whole);
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void damagedStateIsRefusedAndTheRuleStaysAsCreated(Case c) throws Exception {
        Rule r = create(c);
        RuleOutput ignore = output(new ArrayList<>());
        List<FlowRecord> stream = stream(3);
        for (FlowRecord rec : stream.subList(0, stream.size() / 2)) {
            r.onRecord(rec, ignore);
        }
        r.onWatermark(stream.get(stream.size() / 2).eventTime() - 30, ignore);
        byte[] saved = save(r);
        assertThat(saved).isNotEmpty();
        for (int cut : new int[]{1, saved.length / 3, saved.length - 1}) {
            Rule fresh = create(c);
            byte[] part = Arrays.copyOf(saved, cut);
            assertThatThrownBy(() -> fresh.restoreState(new StateInput(new ByteArrayInputStream(part))))
                    .isInstanceOf(IOException.class);
            // As created: nothing carried over, so it saves what a new instance saves.
            assertThat(save(fresh)).isEqualTo(save(create(c)));
        }
    }

    /** Runs the stream, replacing the rule by a restored copy before each index in {@code cuts}. */
    List<String> run(Case c, List<FlowRecord> stream, int[] cuts) throws Exception {
        List<String> events = new ArrayList<>();
        RuleOutput out = output(events);
        Rule r = create(c);
        int next = 0;
        long newest = Long.MIN_VALUE;
        for (int i = 0; i < stream.size(); i++) {
            if (next < cuts.length && cuts[next] == i) {
                byte[] state = save(r);
                r = create(c);
                r.restoreState(new StateInput(new ByteArrayInputStream(state)));
                next++;
            }
            FlowRecord rec = stream.get(i);
            r.onRecord(rec, out);
            newest = Math.max(newest, rec.eventTime());
            if (i % 50 == 49) {
                r.onWatermark(newest - 20, out); // 20 s of allowed lateness
            }
        }
        r.onWatermark(Long.MAX_VALUE, out);
        return events;
    }

    byte[] save(Rule r) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StateOutput out = new StateOutput(bytes);
        r.saveState(out);
        out.flush();
        return bytes.toByteArray();
    }

    Rule create(Case c) throws IOException {
        Path list = dir.resolve("intel.txt");
        if (!Files.exists(list)) {
            Files.writeString(list, "198.51.100.0/24\n");
        }
        String hocon = c.hocon().replace("LIST", "\"" + list + "\"");
        return c.factory().create(new RuleSpec("r", c.type(), "", Severity.HIGH, Map.of()),
                ConfigFactory.parseString(hocon).withFallback(ConfigFactory.parseResources("reference.conf")
                        .getConfig("flowwatch.defaults.rules." + c.type())),
                new TestPluginContext("r", new MutableClock(Instant.EPOCH), dir));
    }

    static RuleOutput output(List<String> events) {
        return new RuleOutput() {
            @Override
            public void firing(Signal s) {
                events.add("fire " + new TreeMap<>(s.key()) + " " + s.value() + " " + s.threshold() + " " + (s.windowStart() - T0)
                        + ".." + (s.windowEnd() - T0) + " " + s.summary() + " " + s.samples().stream().map(FlowRecord::toLine).toList());
            }

            @Override
            public void resolved(Map<String, String> key, long eventTime) {
                events.add("resolve " + new TreeMap<>(key) + " " + (eventTime - T0));
            }
        };
    }

    /**
     * 40 minutes of background traffic from a few hosts, slightly out of order, with an SSH brute
     * force, a port scan, a transfer spike and a listed address in it, and a quiet gap.
     */
    static List<FlowRecord> stream(long seed) {
        Random rnd = new Random(seed);
        List<FlowRecord> out = new ArrayList<>();
        for (long t = T0; t < T0 + 2400; t += 2) {
            if (t >= T0 + 1500 && t < T0 + 1740) {
                continue; // four quiet minutes: windows with nothing in them
            }
            long jitter = rnd.nextInt(15);
            for (int k = 0; k < 3; k++) {
                String src = "10.0.0." + (1 + rnd.nextInt(5));
                out.add(rec(src, 443, rnd.nextInt(10) == 0 ? "REJECT" : "ACCEPT", t - jitter, 500 + rnd.nextInt(2000)));
            }
            if (t >= T0 + 300 && t < T0 + 500) {
                out.add(rec("203.0.113.9", 22, "REJECT", t - jitter, 60)); // brute force
            }
            if (t >= T0 + 700 && t < T0 + 820) {
                out.add(rec("203.0.113.77", 1 + rnd.nextInt(1024), "REJECT", t, 40)); // scan
            }
            if (t >= T0 + 1000 && t < T0 + 1060) {
                out.add(rec("10.0.0.3", 443, "ACCEPT", t, 900_000)); // exfiltration spike
            }
            if (t % 300 == 0 && t < T0 + 1300) {
                out.add(rec("198.51.100.23", 3389, "ACCEPT", t, 100)); // listed
            }
        }
        return out;
    }

    static FlowRecord rec(String src, int dstport, String action, long start, long bytes) {
        return FlowRecord.builder(FlowFormat.DEFAULT).set(FlowField.VERSION, 2).set(FlowField.ACCOUNT_ID, "123456789012")
                .set(FlowField.INTERFACE_ID, "eni-1").set(FlowField.SRCADDR, src).set(FlowField.DSTADDR, "10.0.1.5")
                .set(FlowField.SRCPORT, 40000).set(FlowField.DSTPORT, dstport).set(FlowField.PROTOCOL, 6)
                .set(FlowField.PACKETS, 1).set(FlowField.BYTES, bytes).set(FlowField.START, start)
                .set(FlowField.END, start + 1).set(FlowField.ACTION, action).set(FlowField.LOG_STATUS, "OK").build();
    }
}
