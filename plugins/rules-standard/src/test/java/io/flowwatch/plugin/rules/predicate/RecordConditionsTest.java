package io.flowwatch.plugin.rules.predicate;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import io.flowwatch.api.config.ConfigReader;
import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;
import io.flowwatch.plugin.rules.cel.CelCondition;
import io.flowwatch.plugin.rules.pattern.FilterPattern;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RecordConditionsTest {

    static final FlowRecord SSH_REJECT = record("2 123456789012 eni-0a1 185.220.101.7 10.0.3.7 40000 22 6 1 60 1764000000 1764000001 REJECT OK");
    static final FlowRecord HTTPS_ACCEPT = record("2 123456789012 eni-0a1 10.0.1.5 52.95.128.179 50000 443 6 10 5000 1764000000 1764000030 ACCEPT OK");

    static FlowRecord record(String line) {
        String[] t = line.split(" ");
        FlowRecord.Builder b = FlowRecord.builder(FlowFormat.DEFAULT);
        for (int i = 0; i < t.length; i++) {
            if (FlowFormat.DEFAULT.column(i).type().numeric()) {
                b.set(i, Long.parseLong(t[i]));
            } else {
                b.set(i, t[i]);
            }
        }
        return b.build();
    }

    static ConfigReader reader(String hocon) {
        return new ConfigReader(ConfigFactory.parseString(hocon, ConfigParseOptions.defaults().setOriginDescription("rules.conf")),
                "rules[ssh]");
    }

    @Test
    void aPastedCloudWatchPatternBecomesTheCondition() {
        ConfigReader r = reader("""
                pattern = "[version, account, eni, source, destination, srcport, destport=\\"22\\", protocol=\\"6\\", packets, bytes, windowstart, windowend, action=\\"REJECT\\", flowlogstatus]"
                """);
        RecordCondition c = RecordConditions.fromRule(r);
        assertThat(r.problems()).isEmpty();
        assertThat(c).isInstanceOf(FilterPattern.class);
        assertThat(c.test(SSH_REJECT)).isTrue();
        assertThat(c.test(HTTPS_ACCEPT)).isFalse();
        assertThat(c.columnOf("source")).isEqualTo(3);
    }

    @Test
    void aCelWhereBecomesTheCondition() {
        ConfigReader r = reader("where = \"action == 'REJECT' && dstport == 22 && !is_private(srcaddr)\"");
        RecordCondition c = RecordConditions.fromRule(r);
        assertThat(r.problems()).isEmpty();
        assertThat(c).isInstanceOf(CelCondition.class);
        assertThat(c.test(SSH_REJECT)).isTrue();
        assertThat(c.test(HTTPS_ACCEPT)).isFalse();
    }

    @Test
    void aBadPatternIsAProblemAtItsLineWithThePositionInside() {
        ConfigReader r = reader("\n\npattern = \"[version, account\"");
        RecordConditions.fromRule(r);
        assertThat(r.problems()).singleElement().asString()
                .startsWith("rules.conf:3: rules[ssh].pattern: expected").contains("position");
    }

    @Test
    void aBadWhereIsAProblemNamingTheUndeclaredField() {
        ConfigReader r = reader("\nwhere = \"dst_port == 22\"");
        RecordConditions.fromRule(r);
        assertThat(r.problems()).singleElement().asString()
                .startsWith("rules.conf:2: rules[ssh].where: ").contains("undeclared reference to 'dst_port'").contains("1:1");
    }

    @Test
    void twoConditionsAtOnceAreRefused() {
        ConfigReader r = reader("pattern = REJECT\nwhere = \"action == 'REJECT'\"");
        RecordConditions.fromRule(r);
        assertThat(r.problems()).singleElement().asString()
                .isEqualTo("rules.conf:2: rules[ssh].where: expected one record condition, but both pattern and where are set");
    }

    @Test
    void noConditionOrAnEmptyMatchBlockMeansEveryRecord() {
        assertThat(RecordConditions.fromRule(reader("match {}"))).isSameAs(RecordCondition.ALL);
        assertThat(RecordConditions.fromRule(reader("window = 5m"))).isSameAs(RecordCondition.ALL);
    }
}
