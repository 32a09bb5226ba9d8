package io.flowwatch.plugin.rules.pattern;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.flowwatch.api.record.FlowField;
import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing of the CloudWatch filter-pattern compiler: {@link FilterPattern#compile}
 * on arbitrary text may only throw {@link FilterPatternException}, with a position inside the
 * text; a compiled pattern never throws on {@link FilterPattern#test} or
 * {@link FilterPattern#matchesLine}, and matching a record agrees with matching its
 * {@code toLine()} (the equivalence {@link FilterPattern} documents).
 */
class FilterPatternFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void compilesOrRejectsWithAPosition(FuzzedDataProvider in) {
        String text = in.consumeString(in.consumeInt(0, 300));
        FilterPattern pattern;
        try {
            pattern = FilterPattern.compile(text);
        } catch (FilterPatternException e) {
            assertThat(e.position()).as("position of '%s' in '%s'", e.detail(), text).isBetween(0, text.length());
            assertThat(e.detail()).isNotBlank();
            return;
        }
        FlowRecord record = record(in);
        boolean onRecord = pattern.test(record);
        assertThat(pattern.matchesLine(record.toLine())).as("'%s' on the record vs on its line %s", text, record.toLine())
                .isEqualTo(onRecord);
        pattern.matchesLine(in.consumeRemainingAsString());
        for (FlowField f : FlowField.values()) {
            pattern.columnOf(f.awsName());
        }
    }

    /**
     * A record in the default format with fuzzed values. String values are single tokens that do
     * not start with '[' or '"': flow logs have none, and in a raw line they would group fields.
     */
    private static FlowRecord record(FuzzedDataProvider in) {
        FlowFormat format = FlowFormat.DEFAULT;
        FlowRecord.Builder b = FlowRecord.builder(format);
        for (int i = 0; i < format.size(); i++) {
            FlowField.Type type = format.column(i).type();
            if (type.numeric()) {
                long v = in.consumeLong(-1, type.max());
                if (v >= 0) {
                    b.set(i, v);
                }
            } else {
                String v = in.consumeAsciiString(24).replaceAll("[\\x00-\\x20\\x7f]", "");
                if (!v.isEmpty() && !v.equals("-")) {
                    b.set(i, v.charAt(0) == '[' || v.charAt(0) == '"' ? "x" + v : v);
                }
            }
        }
        return b.build();
    }
}
