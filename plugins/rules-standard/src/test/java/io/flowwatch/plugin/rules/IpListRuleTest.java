package io.flowwatch.plugin.rules;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.typesafe.config.Config;
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
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IpListRuleTest {

    @TempDir
    Path dir;

    static final long T0 = 1_764_000_000L;

    final MutableClock clock = new MutableClock(Instant.parse("2025-11-24T12:00:00Z"));
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
    void captureLogs() {
        ctx = new TestPluginContext("intel", clock, dir.resolve("state"));
        logs.start();
        ((Logger) LoggerFactory.getLogger(IpListRule.class)).addAppender(logs);
    }

    @AfterEach
    void stopCapturing() {
        ((Logger) LoggerFactory.getLogger(IpListRule.class)).detachAppender(logs);
    }

    List<String> logLines() {
        return logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    static Config defaults() {
        return ConfigFactory.parseResources("reference.conf").getConfig("flowwatch.defaults.rules.ip-list");
    }

    Rule rule(String hocon) {
        return new IpListRuleFactory().create(new RuleSpec("intel", "ip-list", "", Severity.HIGH, Map.of()),
                ConfigFactory.parseString(hocon).withFallback(defaults()), ctx);
    }

    Path list(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    static String q(Path p) {
        return "\"" + p.toString().replace("\\", "\\\\") + "\"";
    }

    static FlowRecord rec(String src, String dst, long start) {
        return FlowRecord.builder(FlowFormat.DEFAULT).set(FlowField.VERSION, 2).set(FlowField.INTERFACE_ID, "eni-0a1")
                .set(FlowField.SRCADDR, src).set(FlowField.DSTADDR, dst).set(FlowField.DSTPORT, 443)
                .set(FlowField.PROTOCOL, 6).set(FlowField.ACTION, "ACCEPT").set(FlowField.START, start)
                .set(FlowField.END, start + 1).set(FlowField.LOG_STATUS, "OK").build();
    }

    @Test
    void firesAtOnceForAListedSourceNamingAddressEntryFileAndDirection() throws Exception {
        Path f = list("tor.txt", "# tor exits\n185.220.101.0/24\n");
        Rule r = rule("files = [" + q(f) + "], match = srcaddr");
        r.onRecord(rec("185.220.101.7", "10.0.0.5", T0), out);
        r.onRecord(rec("10.0.0.5", "185.220.101.7", T0), out); // listed address as destination: not looked at
        r.onRecord(rec("185.220.102.1", "10.0.0.5", T0), out);
        assertThat(fired).singleElement().satisfies(s -> {
            assertThat(s.key()).isEqualTo(Map.of("srcaddr", "185.220.101.7"));
            assertThat(s.windowStart()).isEqualTo(T0);
            assertThat(s.windowEnd()).isEqualTo(T0);
            assertThat(s.samples()).hasSize(1);
            assertThat(s.summary()).isEqualTo("traffic from listed address 185.220.101.7 to 10.0.0.5 port 443 (ACCEPT): "
                    + "srcaddr matched 185.220.101.0/24 in " + f + ":2");
        });
    }

    @Test
    void dstaddrLooksOnlyAtDestinations() throws Exception {
        Path f = list("c2.txt", "203.0.113.9\n");
        Rule r = rule("files = [" + q(f) + "], match = dstaddr");
        r.onRecord(rec("203.0.113.9", "10.0.0.5", T0), out);
        r.onRecord(rec("10.0.0.5", "203.0.113.9", T0), out);
        assertThat(fired).singleElement().satisfies(s -> {
            assertThat(s.key()).isEqualTo(Map.of("dstaddr", "203.0.113.9"));
            assertThat(s.summary()).startsWith("traffic to listed address 203.0.113.9 from 10.0.0.5");
        });
    }

    @Test
    void eitherLooksAtBothAndKeysByTheMatchedField() throws Exception {
        Path f = list("c2.txt", "203.0.113.9\n2001:db8:bad::/48\n");
        Rule r = rule("files = [" + q(f) + "], match = either");
        r.onRecord(rec("203.0.113.9", "10.0.0.5", T0), out);
        r.onRecord(rec("10.0.0.5", "203.0.113.9", T0), out);
        r.onRecord(rec("2001:db8:bad:1::5", "2001:db8:1::1", T0), out);
        r.onRecord(rec("2001:db8:1::1", "2001:db8:bad::", T0), out);
        r.onRecord(rec("2001:db8:bae::1", "10.0.0.1", T0), out); // just outside the /48
        assertThat(fired).extracting(Signal::key).containsExactly(
                Map.of("srcaddr", "203.0.113.9"), Map.of("dstaddr", "203.0.113.9"),
                Map.of("srcaddr", "2001:db8:bad:1::5"), Map.of("dstaddr", "2001:db8:bad::"));
    }

    @Test
    void groupByFieldsJoinTheMatchedAddressInTheKey() throws Exception {
        Path f = list("c2.txt", "203.0.113.9\n");
        Rule r = rule("files = [" + q(f) + "], match = dstaddr, group-by = [interface-id]");
        r.onRecord(rec("10.0.0.5", "203.0.113.9", T0), out);
        assertThat(fired).singleElement().extracting(Signal::key)
                .isEqualTo(Map.of("dstaddr", "203.0.113.9", "interface-id", "eni-0a1"));
    }

    @Test
    void resolvesAfterAWindowOfEventTimeWithoutMatches() throws Exception {
        Path f = list("c2.txt", "203.0.113.9\n");
        Rule r = rule("files = [" + q(f) + "], window = 10m");
        r.onRecord(rec("203.0.113.9", "10.0.0.5", T0), out);
        r.onRecord(rec("203.0.113.9", "10.0.0.5", T0 + 300), out); // keeps it firing
        r.onRecord(rec("10.0.0.1", "10.0.0.5", T0 + 899), out);
        r.onWatermark(T0 + 899, out);
        assertThat(resolved).isEmpty();
        r.onRecord(rec("10.0.0.1", "10.0.0.5", T0 + 2000), out);
        r.onWatermark(T0 + 2000, out);
        assertThat(resolved).containsExactly("{srcaddr=203.0.113.9}@900");
        assertThat(fired).hasSize(2);
    }

    @Test
    void endOfInputDoesNotInventQuietTime() throws Exception {
        Path f = list("c2.txt", "203.0.113.9\n");
        Rule r = rule("files = [" + q(f) + "], window = 10m");
        r.onRecord(rec("203.0.113.9", "10.0.0.5", T0), out);
        r.onWatermark(Long.MAX_VALUE, out);
        assertThat(resolved).isEmpty();
    }

    @Test
    void maxKeysResolvesTheLeastRecentlyMatchedAndCountsIt() throws Exception {
        Path f = list("c2.txt", "203.0.113.0/24\n");
        Rule r = rule("files = [" + q(f) + "], match = srcaddr, max-keys = 2");
        r.onRecord(rec("203.0.113.1", "10.0.0.5", T0), out);
        r.onRecord(rec("203.0.113.2", "10.0.0.5", T0 + 1), out);
        r.onRecord(rec("203.0.113.1", "10.0.0.5", T0 + 2), out);
        r.onRecord(rec("203.0.113.3", "10.0.0.5", T0 + 3), out);
        assertThat(resolved).containsExactly("{srcaddr=203.0.113.2}@3");
        assertThat(ctx.metrics().value("rule_keys_evicted_total")).isEqualTo(1);
        assertThat(r.trackedKeys()).isEqualTo(2);
    }

    @Test
    void badLinesAndUnreadableFilesAreValidationProblemsWithPathAndLine() throws Exception {
        Path f = list("bad.txt", "10.0.0.1\n10.0.0.300\n\n# ok\nfe80::zz\n");
        Path missing = dir.resolve("missing.txt");
        assertThatThrownBy(() -> rule("files = [" + q(f) + "]"))
                .isInstanceOf(FlowwatchException.class)
                .satisfies(e -> assertThat(((FlowwatchException) e).problems()).extracting(Object::toString).containsExactly(
                        f + ":2: rules[intel].files: expected an IPv4/IPv6 address or CIDR block, got '10.0.0.300'",
                        f + ":5: rules[intel].files: expected an IPv6 address or CIDR block, got 'fe80::zz'"));
        assertThatThrownBy(() -> rule("files = [" + q(missing) + "]"))
                .isInstanceOf(FlowwatchException.class)
                .satisfies(e -> assertThat(((FlowwatchException) e).problems()).singleElement().satisfies(p -> {
                    assertThat(p.key()).isEqualTo("rules[intel].files");
                    assertThat(p.message()).isEqualTo("cannot read " + missing + ": no such file");
                }));
    }

    @Test
    void configProblemsAreReportedTogether() {
        assertThatThrownBy(() -> rule("match = both, window = soon, max-keys = 0"))
                .isInstanceOf(FlowwatchException.class)
                .satisfies(e -> assertThat(((FlowwatchException) e).problems()).extracting(p -> p.key() + ": " + p.message())
                        .containsExactlyInAnyOrder(
                                "rules[intel].match: expected one of dstaddr, either, srcaddr, got 'both'",
                                "rules[intel].window: expected a duration such as 30s, 5m or 1h, got \"soon\"",
                                "rules[intel].max-keys: expected an integer from 1 to 10000000, got 0",
                                "rules[intel].files: expected a list of IP list file paths, but the key is missing"));
    }

    @Test
    void relativePathsResolveAgainstTheRuleFilesDirectory() throws Exception {
        Path rules = Files.createDirectories(dir.resolve("rules.d"));
        Files.writeString(Files.createDirectories(rules.resolve("lists")).resolve("c2.txt"), "203.0.113.9\n");
        Path ruleFile = Files.writeString(rules.resolve("intel.conf"), "files = [\"lists/c2.txt\"]\n");
        Rule r = new IpListRuleFactory().create(new RuleSpec("intel", "ip-list", "", Severity.HIGH, Map.of()),
                ConfigFactory.parseFile(ruleFile.toFile()).withFallback(defaults()), ctx);
        r.onRecord(rec("203.0.113.9", "10.0.0.5", T0), out);
        assertThat(fired).singleElement().extracting(Signal::summary).asString()
                .endsWith("in " + rules.resolve("lists/c2.txt") + ":1");
    }

    @Test
    void aChangedFileIsReloadedAfterTheReloadIntervalAndSwappedInWhole() throws Exception {
        Path f = list("c2.txt", "203.0.113.9\n");
        Rule r = rule("files = [" + q(f) + "], reload-interval = 30s");
        Files.writeString(f, "198.51.100.0/24\n2001:db8::/32\n");
        Files.setLastModifiedTime(f, FileTime.from(Instant.parse("2030-01-01T00:00:00Z")));
        clock.advance(Duration.ofSeconds(29));
        r.onWatermark(T0, out);
        r.onRecord(rec("203.0.113.9", "10.0.0.5", T0), out);
        assertThat(fired).hasSize(1); // not checked yet: the old list still applies
        clock.advance(Duration.ofSeconds(1));
        r.onWatermark(T0, out);
        r.onRecord(rec("203.0.113.9", "10.0.0.5", T0 + 1), out);
        r.onRecord(rec("198.51.100.77", "10.0.0.5", T0 + 1), out);
        assertThat(fired).extracting(s -> s.key().get("srcaddr")).containsExactly("203.0.113.9", "198.51.100.77");
        assertThat(logLines()).contains("rule intel: reloaded 2 entries from " + f);
        assertThat(ctx.metrics().value("rule_ip_list_entries")).isEqualTo(2);
        assertThat(ctx.metrics().value("rule_ip_list_reloads_total")).isEqualTo(1);
    }

    @Test
    void anUnchangedFileIsNotReread() throws Exception {
        Path f = list("c2.txt", "203.0.113.9\n");
        Rule r = rule("files = [" + q(f) + "], reload-interval = 30s");
        clock.advance(Duration.ofMinutes(5));
        r.onWatermark(T0, out);
        assertThat(ctx.metrics().value("rule_ip_list_reloads_total")).isZero();
        assertThat(logLines()).isEmpty();
    }

    @Test
    void aDeletedFileKeepsTheOldListAndIsLoggedOnce() throws Exception {
        Path f = list("c2.txt", "203.0.113.9\n");
        Rule r = rule("files = [" + q(f) + "], reload-interval = 30s");
        Files.delete(f);
        clock.advance(Duration.ofSeconds(30));
        r.onWatermark(T0, out);
        clock.advance(Duration.ofSeconds(30));
        r.onWatermark(T0, out);
        r.onRecord(rec("203.0.113.9", "10.0.0.5", T0), out);
        assertThat(fired).hasSize(1);
        assertThat(logLines()).containsExactly("rule intel: cannot read " + f + ": no such file; keeping the previous list of 1 entries");
        assertThat(ctx.metrics().value("rule_ip_list_reload_failures_total")).isEqualTo(1);
        // It comes back: reloaded.
        list("c2.txt", "198.51.100.1\n");
        clock.advance(Duration.ofSeconds(30));
        r.onWatermark(T0, out);
        r.onRecord(rec("198.51.100.1", "10.0.0.5", T0), out);
        assertThat(fired).hasSize(2);
    }

    @Test
    void badLinesInAReloadedFileAreLoggedAndSkipped() throws Exception {
        Path f = list("c2.txt", "203.0.113.9\n");
        Rule r = rule("files = [" + q(f) + "], reload-interval = 30s");
        Files.writeString(f, "198.51.100.1\nnonsense\n");
        Files.setLastModifiedTime(f, FileTime.from(Instant.parse("2030-01-01T00:00:00Z")));
        clock.advance(Duration.ofSeconds(30));
        r.onWatermark(T0, out);
        assertThat(logLines()).containsExactly(
                "rule intel: " + f + ":2: expected an IPv4/IPv6 address or CIDR block, got 'nonsense'; line skipped",
                "rule intel: reloaded 1 entries from " + f);
    }
}
