package io.flowwatch.plugin.rules;

import io.flowwatch.api.record.FlowField;
import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;
import io.flowwatch.plugin.rules.predicate.RecordCondition;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class FieldColumnsTest {

    static final FlowRecord REC = FlowRecord.builder(FlowFormat.DEFAULT).set(FlowField.SRCADDR, "198.51.100.23")
            .set(FlowField.DSTPORT, 22).set(FlowField.START, 1000).build();

    @Test
    void keysHoldTheFieldValuesInGroupByOrderWithAbsentOnesAsDash() {
        FieldColumns c = new FieldColumns(List.of("dstport", "srcaddr", "vpc-id", "bytes"), RecordCondition.ALL);
        List<String> key = c.keyOf(REC);
        assertThat(key).containsExactly("22", "198.51.100.23", "-", "-");
        assertThat(c.labels(key)).isEqualTo(Map.of("dstport", "22", "srcaddr", "198.51.100.23", "vpc-id", "-", "bytes", "-"));
    }

    @Test
    void aNameTheConditionDefinesWinsOverTheAwsName() {
        RecordCondition bracket = new RecordCondition() {
            @Override
            public boolean test(FlowRecord record) {
                return true;
            }

            @Override
            public int columnOf(String name) {
                return name.equals("source") ? FlowFormat.DEFAULT.indexOf(FlowField.SRCADDR) : -1;
            }
        };
        assertThat(new FieldColumns(List.of("source"), bracket).keyOf(REC)).containsExactly("198.51.100.23");
    }

    @Test
    void theColumnsFollowEachRecordsFormat() {
        FieldColumns c = new FieldColumns(List.of("srcaddr"), RecordCondition.ALL);
        FlowRecord custom = FlowRecord.builder(FlowFormat.of(List.of("start", "srcaddr"))).set(FlowField.SRCADDR, "a").build();
        assertThat(c.keyOf(REC)).containsExactly("198.51.100.23");
        assertThat(c.keyOf(custom)).containsExactly("a");
        assertThat(c.keyOf(REC)).containsExactly("198.51.100.23");
    }
}
