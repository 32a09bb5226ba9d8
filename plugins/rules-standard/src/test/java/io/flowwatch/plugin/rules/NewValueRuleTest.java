package io.flowwatch.plugin.rules;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.typesafe.config.ConfigFactory;
import io.flowwatch.api.FlowwatchException;
import io.flowwatch.api.record.FlowField;
import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;
import io.flowwatch.api.rule.Rule;
import io.flowwatch.api.rule.RuleOutput;
import io.flowwatch.api.rule.RuleSpec;
import io.flowwatch.api.rule.Severity;
import io.flowwatch.api.rule.Signal;
import io.flowwatch.testkit.MutableClock;
import io.flowwatch.testkit.TestPluginContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NewValueRuleTest {

    @TempDir
    Path state;

    /** 2025-11-24T12:00:00Z */
    static final long T0 = 1_763_985_600L;
    static final long HOUR = 3600;
    static final long DAY = 24 * HOUR;

    TestPluginContext ctx;
    final List<Signal> fired = new ArrayList<>();
    final List<String> resolved = new ArrayList<>();
    final RuleOutput out = new RuleOutput() {
        @Override
        public void firing(Signal signal) {
            fired.add(signal);
        }

        @Override
        public void resolved(Map<String, String> key, long eventTime) {
            resolved.add(key + "@" + (eventTime - T0));
        }
    };
    final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeEach
    void setUp() {
        ctx = new TestPluginContext("new-ports", new MutableClock(Instant.EPOCH), state);
        logs.start();
        ((Logger) LoggerFactory.getLogger(NewValueRule.class)).addAppender(logs);
    }

    @AfterEach
    void tearDown() {
        ((Logger) LoggerFactory.getLogger(NewValueRule.class)).detachAppender(logs);
    }

    static final String PORTS = "group-by = [interface-id], field = dstport, learning-period = 1d, window = 1h";

    Rule rule(String hocon) {
        return new NewValueRuleFactory().create(new RuleSpec("new-ports", "new-value", "", Severity.MEDIUM, Map.of()),
                ConfigFactory.parseString(hocon).withFallback(ConfigFactory.parseResources("reference.conf")
                        .getConfig("flowwatch.defaults.rules.new-value")), ctx);
    }

    static FlowRecord rec(String eni, String src, int dstport, long start) {
        return FlowRecord.builder(FlowFormat.DEFAULT).set(FlowField.VERSION, 2).set(FlowField.INTERFACE_ID, eni)
                .set(FlowField.SRCADDR, src).set(FlowField.DSTADDR, "10.0.0.1").set(FlowField.DSTPORT, dstport)
                .set(FlowField.PROTOCOL, 6).set(FlowField.ACTION, "ACCEPT").set(FlowField.START, start)
                .set(FlowField.END, start + 1).set(FlowField.LOG_STATUS, "OK").build();
    }

    Path stateFile() {
        return state.resolve("new-ports").resolve(NewValueRule.STATE_FILE);
    }

    @Test
    void valuesSeenDuringTheLearningPeriodAreLearnedNotReported() {
        Rule r = rule(PORTS);
        r.onRecord(rec("eni-0a1", "10.0.0.9", 443, T0), out);
        r.onRecord(rec("eni-0a1", "10.0.0.9", 22, T0 + DAY - 1), out); // still learning
        r.onRecord(rec("eni-0a1", "10.0.0.9", 443, T0 + DAY), out); // learned
        r.onRecord(rec("eni-0a1", "10.0.0.9", 22, T0 + DAY + 5), out); // learned at the last second
        assertThat(fired).isEmpty();
        r.onRecord(rec("eni-0a1", "10.0.0.9", 4444, T0 + DAY), out);
        assertThat(fired).singleElement().satisfies(s -> {
            assertThat(s.key()).isEqualTo(Map.of("interface-id", "eni-0a1", "dstport", "4444"));
            assertThat(s.value()).isEqualTo(1);
            assertThat(s.windowStart()).isEqualTo(T0 + DAY);
            assertThat(s.windowEnd()).isEqualTo(T0 + DAY);
            assertThat(s.summary()).isEqualTo("eni-0a1 talked to new dstport 4444 (first seen 2025-11-25T12:00:00Z)");
            assertThat(s.samples()).hasSize(1);
        });
    }

    @Test
    void aNewValueFiresOnceNotAgainAndPerKey() {
        Rule r = rule(PORTS + ", learning-period = 0s");
        r.onRecord(rec("eni-0a1", "10.0.0.9", 4444, T0), out);
        r.onRecord(rec("eni-0a1", "10.0.0.9", 4444, T0 + 10), out);
        r.onRecord(rec("eni-0a1", "10.0.0.9", 4444, T0 + 2 * DAY), out);
        r.onRecord(rec("eni-0b2", "10.0.0.9", 4444, T0 + 10), out); // same port, other interface: new for it
        assertThat(fired).extracting(Signal::key).containsExactly(
                Map.of("interface-id", "eni-0a1", "dstport", "4444"), Map.of("interface-id", "eni-0b2", "dstport", "4444"));
    }

    @Test
    void withoutGroupByItIsANewTalker() {
        Rule r = rule("field = srcaddr, learning-period = 1h");
        r.onRecord(rec("eni-0a1", "10.0.0.9", 443, T0), out);
        r.onRecord(rec("eni-0b2", "10.0.0.9", 443, T0 + 2 * HOUR), out);
        r.onRecord(rec("eni-0b2", "198.51.100.4", 443, T0 + 2 * HOUR), out);
        assertThat(fired).singleElement().satisfies(s -> {
            assertThat(s.key()).isEqualTo(Map.of("srcaddr", "198.51.100.4"));
            assertThat(s.summary()).isEqualTo("new srcaddr 198.51.100.4 (first seen 2025-11-24T14:00:00Z)");
        });
    }

    @Test
    void aNumericGroupByFieldKeysLikeItsText() {
        Rule r = rule("group-by = [dstport], field = srcaddr, learning-period = 1h");
        r.onRecord(rec("eni-0a1", "10.0.0.9", 22, T0), out);
        r.onRecord(rec("eni-0a1", "10.0.0.9", 22, T0 + 2 * HOUR), out);
        r.onRecord(rec("eni-0a1", "10.0.0.9", 70000, T0 + 2 * HOUR), out); // beyond the small-number cache
        r.onRecord(rec("eni-0a1", "10.0.0.9", 70000, T0 + 2 * HOUR + 1), out);
        assertThat(fired).singleElement().satisfies(s -> {
            assertThat(s.key()).isEqualTo(Map.of("dstport", "70000", "srcaddr", "10.0.0.9"));
            assertThat(s.summary()).startsWith("70000 talked to new srcaddr 10.0.0.9");
        });
        assertThat(((NewValueRule) r).learnedValues("22")).isEqualTo(1);
    }

    @Test
    void theRecordConditionLimitsWhatIsLearnedAndReported() {
        Rule r = rule("field = dstport, learning-period = 0s, match { action = REJECT }");
        r.onRecord(rec("eni-0a1", "10.0.0.9", 4444, T0), out); // ACCEPT: ignored
        assertThat(fired).isEmpty();
    }

    @Test
    void aFiringNewValueResolvesAfterTheWindowOfEventTime() {
        Rule r = rule(PORTS + ", learning-period = 0s");
        r.onRecord(rec("eni-0a1", "10.0.0.9", 4444, T0), out);
        r.onRecord(rec("eni-0a1", "10.0.0.9", 443, T0 + HOUR - 1), out);
        r.onWatermark(T0 + HOUR - 1, out);
        assertThat(resolved).isEmpty();
        r.onRecord(rec("eni-0a1", "10.0.0.9", 443, T0 + 2 * HOUR), out);
        r.onWatermark(T0 + 2 * HOUR, out);
        assertThat(resolved).containsExactly("{dstport=4444, interface-id=eni-0a1}@3600",
                "{dstport=443, interface-id=eni-0a1}@7199");
        r.onWatermark(Long.MAX_VALUE, out); // end of input does not invent quiet time
        assertThat(resolved).hasSize(2);
    }

    @Test
    void learnedValuesSurviveARestart() {
        Rule r = rule(PORTS);
        r.onRecord(rec("eni-0a1", "10.0.0.9", 443, T0), out);
        r.onRecord(rec("eni-0a1", "10.0.0.9", 22, T0 + HOUR), out);
        r.onWatermark(T0 + HOUR, out);
        r.close();
        assertThat(stateFile()).exists();

        Rule again = rule(PORTS);
        again.onRecord(rec("eni-0a1", "10.0.0.9", 443, T0 + 2 * DAY), out);
        again.onRecord(rec("eni-0a1", "10.0.0.9", 22, T0 + 2 * DAY), out);
        assertThat(fired).isEmpty();
        again.onRecord(rec("eni-0a1", "10.0.0.9", 3389, T0 + 2 * DAY), out);
        assertThat(fired).extracting(s -> s.key().get("dstport")).containsExactly("3389");
    }

    @Test
    void aRestartMidLearningKeepsTheLearningStart() {
        Rule r = rule(PORTS);
        r.onRecord(rec("eni-0a1", "10.0.0.9", 443, T0), out);
        r.onWatermark(T0, out);
        r.close();

        Rule again = rule(PORTS);
        again.onRecord(rec("eni-0a1", "10.0.0.9", 22, T0 + 20 * HOUR), out); // still learning, from T0
        again.onRecord(rec("eni-0a1", "10.0.0.9", 8080, T0 + DAY), out); // learning over: 24h after T0
        assertThat(fired).extracting(s -> s.key().get("dstport")).containsExactly("8080");
    }

    @Test
    void firingKeysSurviveARestartAndStillResolve() {
        Rule r = rule(PORTS + ", learning-period = 0s");
        r.onRecord(rec("eni-0a1", "10.0.0.9", 4444, T0), out);
        r.close();
        Rule again = rule(PORTS + ", learning-period = 0s");
        again.onRecord(rec("eni-0a1", "10.0.0.9", 4444, T0 + 2 * HOUR), out);
        again.onWatermark(T0 + 2 * HOUR, out);
        assertThat(fired).hasSize(1);
        assertThat(resolved).containsExactly("{dstport=4444, interface-id=eni-0a1}@3600");
    }

    @Test
    void savesAtMostEverySaveIntervalOfEventTimeWhileDirty() throws Exception {
        Rule r = rule(PORTS + ", save-interval = 10m");
        r.onRecord(rec("eni-0a1", "10.0.0.9", 443, T0), out);
        r.onWatermark(T0, out); // first change: saved at once
        long firstSave = Files.size(stateFile());
        r.onRecord(rec("eni-0a1", "10.0.0.9", 22, T0 + 60), out);
        r.onWatermark(T0 + 60, out);
        assertThat(Files.size(stateFile())).isEqualTo(firstSave); // within the interval: not yet
        r.onRecord(rec("eni-0a1", "10.0.0.9", 80, T0 + 600), out);
        r.onWatermark(T0 + 600, out);
        assertThat(Files.size(stateFile())).isGreaterThan(firstSave);
        assertThat(Files.list(stateFile().getParent())).extracting(p -> p.getFileName().toString())
                .containsExactly(NewValueRule.STATE_FILE); // the temp file was renamed over it
    }

    @Test
    void creatingTheRuleToValidateItTouchesNoState() {
        rule(PORTS).close();
        assertThat(state.resolve("new-ports")).doesNotExist();
    }

    @Test
    void aCorruptStateFileIsLoggedSetAsideAndTheRuleLearnsAgain() throws Exception {
        Rule r = rule(PORTS);
        r.onRecord(rec("eni-0a1", "10.0.0.9", 443, T0), out);
        r.close();
        byte[] bytes = Files.readAllBytes(stateFile());
        bytes[bytes.length / 2] ^= 0x5a;
        Files.write(stateFile(), bytes);

        Rule again = rule(PORTS);
        again.onRecord(rec("eni-0a1", "10.0.0.9", 4444, T0 + 2 * DAY), out); // learning again from here
        assertThat(fired).isEmpty();
        assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage).anySatisfy(m -> assertThat(m)
                .startsWith("rule new-ports: state file " + stateFile() + " is unreadable (")
                .endsWith("); set aside as new-value.state.corrupt, learning again"));
        assertThat(stateFile().resolveSibling("new-value.state.corrupt")).exists();
        again.onRecord(rec("eni-0a1", "10.0.0.9", 5555, T0 + 3 * DAY), out);
        assertThat(fired).extracting(s -> s.key().get("dstport")).containsExactly("5555");
    }

    @Test
    void aTruncatedOrForeignStateFileIsNoCrashEither() throws Exception {
        Files.createDirectories(stateFile().getParent());
        for (byte[] junk : List.of(new byte[0], new byte[] {0x46, 0x57}, "hello world, not a state file".getBytes())) {
            Files.write(stateFile(), junk);
            Rule r = rule(PORTS + ", learning-period = 0s");
            r.onRecord(rec("eni-0a1", "10.0.0.9", 443, T0), out);
            r.onWatermark(T0, out);
            r.close();
        }
        assertThat(fired).hasSize(3);
        assertThat(logs.list).filteredOn(e -> e.getFormattedMessage().contains("is unreadable")).hasSize(3);
    }

    @Test
    void stateLearnedForAnotherFieldIsNotReused() {
        Rule r = rule(PORTS);
        r.onRecord(rec("eni-0a1", "10.0.0.9", 443, T0), out);
        r.close();
        Rule other = rule("group-by = [interface-id], field = srcaddr, learning-period = 1d");
        other.onRecord(rec("eni-0a1", "10.0.0.9", 443, T0 + 5 * DAY), out); // learning starts now
        assertThat(fired).isEmpty();
        assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage).anySatisfy(m -> assertThat(m)
                .contains("was learned for field=dstport group-by=interface-id").endsWith("learning again"));
    }

    @Test
    void maxKeysAndMaxValuesEvictTheLeastRecentlySeenAndCountIt() {
        Rule r = rule(PORTS + ", max-keys = 2, max-values = 2");
        r.onRecord(rec("a", "x", 1, T0), out);
        r.onRecord(rec("a", "x", 2, T0), out);
        r.onRecord(rec("a", "x", 1, T0), out); // 1 recently used
        r.onRecord(rec("a", "x", 3, T0), out); // evicts value 2 of key a
        r.onRecord(rec("b", "x", 1, T0), out);
        r.onRecord(rec("a", "x", 1, T0), out); // a recently used
        r.onRecord(rec("c", "x", 1, T0), out); // evicts key b
        assertThat(ctx.metrics().value("rule_values_evicted_total")).isEqualTo(1);
        assertThat(ctx.metrics().value("rule_keys_evicted_total")).isEqualTo(1);
        NewValueRule nv = (NewValueRule) r;
        assertThat(nv.trackedKeys()).isEqualTo(2);
        assertThat(nv.learnedValues("a")).isEqualTo(2);
        assertThat(nv.learnedValues("b")).isZero();
        // After learning, the evicted value 2 is new again.
        r.onRecord(rec("a", "x", 2, T0 + 2 * DAY), out);
        assertThat(fired).extracting(s -> s.key().get("dstport")).containsExactly("2");
    }

    @Test
    void configProblemsAreReportedTogether() {
        assertThatThrownBy(() -> rule("group-by = [dstport], field = dstport, learning-period = later, max-values = 0"))
                .isInstanceOf(FlowwatchException.class)
                .satisfies(e -> assertThat(((FlowwatchException) e).problems()).extracting(p -> p.key() + ": " + p.message())
                        .containsExactlyInAnyOrder(
                                "rules[new-ports].field: expected a field that is not also in group-by, got 'dstport'",
                                "rules[new-ports].learning-period: expected a duration such as 30s, 5m or 1h, got \"later\"",
                                "rules[new-ports].max-values: expected an integer from 1 to 10000000, got 0"));
        assertThatThrownBy(() -> rule("group-by = []"))
                .isInstanceOf(FlowwatchException.class)
                .hasMessageContaining("rules[new-ports].field: expected a string, but the key is missing");
    }
}
