package io.flowwatch.runtime.parse;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.flowwatch.api.record.FlowField;
import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;
import io.flowwatch.api.source.LineChunk;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzzing of {@link FlowLogParser#parse} on arbitrary bytes: the default format or
 * a custom one, with or without a header line, at any offset inside a larger array. Must never
 * throw; every record it yields holds numbers within its column's type and survives a
 * {@code toLine()} round trip; malformed lines are reported with line numbers inside the chunk,
 * in order. Runs for a fixed budget in {@code mvn verify} (see FUZZING.md); the inputs under
 * {@code FlowLogParserFuzzTestInputs/} are replayed as regression tests.
 */
class FlowLogParserFuzzTest {

    private static final FlowField[] FIELDS = FlowField.values();

    @FuzzTest(maxDuration = "10s")
    void parsesArbitraryBytesWithoutThrowing(FuzzedDataProvider in) {
        FlowFormat format = in.consumeBoolean() ? FlowFormat.DEFAULT : customFormat(in);
        boolean header = in.consumeBoolean();
        boolean chunkFormat = in.consumeBoolean();
        long firstLine = in.consumeBoolean() ? 1 : in.consumeLong(1, 1L << 40);
        int prefix = in.consumeInt(0, 16);
        int suffix = in.consumeInt(0, 16);
        byte filler = in.consumeByte();
        byte[] body = in.consumeRemainingAsBytes();

        byte[] text = body;
        if (header) {
            byte[] h = (String.join(in.remainingBytes() % 2 == 0 ? " " : "\t", names(format)) + "\n")
                    .getBytes(StandardCharsets.US_ASCII);
            text = new byte[h.length + body.length];
            System.arraycopy(h, 0, text, 0, h.length);
            System.arraycopy(body, 0, text, h.length, body.length);
        }
        // The chunk sits inside a larger array: the parser must not read past its range as data.
        byte[] padded = new byte[prefix + text.length + suffix];
        java.util.Arrays.fill(padded, filler);
        System.arraycopy(text, 0, padded, prefix, text.length);
        long[] eventTimes = (filler & 1) == 0 ? null : new long[] {1_700_000_000L, 1_700_000_060L};
        FlowFormat given = chunkFormat ? format : null;
        FlowFormat parserDefault = chunkFormat ? FlowFormat.DEFAULT : format;

        Collected exact = parse(parserDefault, new LineChunk("fuzz", firstLine, text, 0, text.length, given, eventTimes));
        Collected inside = parse(parserDefault, new LineChunk("fuzz", firstLine, padded, prefix, text.length, given, eventTimes));
        assertThat(inside.lines).as("the same bytes at another offset").isEqualTo(exact.lines);

        long lines = countLines(text);
        long previous = firstLine - 1;
        for (long n : exact.malformedLines) {
            assertThat(n).as("malformed line numbers lie inside the chunk, in order").isBetween(previous + 1, firstLine + lines - 1);
            previous = n;
        }
        assertThat((long) exact.records.size() + exact.malformedLines.size()).isLessThanOrEqualTo(lines);
        if (header && exact.records.size() + exact.malformedLines.size() > 0) {
            assertThat(exact.malformedLines).as("a header line is not malformed").doesNotContain(firstLine);
        }
        FlowLogParser reparser = new FlowLogParser(FlowFormat.DEFAULT);
        for (FlowRecord r : exact.records) {
            checkRecord(r, reparser);
        }
    }

    private static void checkRecord(FlowRecord r, FlowLogParser reparser) {
        FlowFormat f = r.format();
        for (int i = 0; i < f.size(); i++) {
            FlowField.Type type = f.column(i).type();
            if (type.numeric()) {
                long v = r.longAt(i);
                if (v != FlowRecord.ABSENT) {
                    assertThat(v).as("column %s within %s", f.column(i).name(), type).isBetween(0L, type.max());
                }
            } else {
                String s = r.stringAt(i);
                if (s != null) {
                    assertThat(s).as("a string value is one token").isNotEmpty().doesNotContain(" ", "\n", "\t", "\r");
                }
            }
        }
        String line = r.toLine();
        FlowRecord again = reparser.parseLine(f, line).orElse(null);
        assertThat(again).as("toLine() parses again: %s", line).isNotNull();
        for (int i = 0; i < f.size(); i++) {
            assertThat(again.valueAt(i)).as("column %s after a round trip of %s", f.column(i).name(), line)
                    .isEqualTo(r.valueAt(i));
        }
    }

    /** 1 to 8 distinct columns: known fields of every type, sometimes a name AWS does not define. */
    private static FlowFormat customFormat(FuzzedDataProvider in) {
        int n = in.consumeInt(1, 8);
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < n; i++) {
            int pick = in.consumeInt(0, FIELDS.length);
            names.add(pick == FIELDS.length ? "x-custom" : FIELDS[pick].awsName());
        }
        return FlowFormat.of(new ArrayList<>(names));
    }

    private static List<String> names(FlowFormat f) {
        List<String> out = new ArrayList<>();
        f.columns().forEach(c -> out.add(c.name()));
        return out;
    }

    private static long countLines(byte[] b) {
        long n = 1;
        for (byte x : b) {
            if (x == '\n') {
                n++;
            }
        }
        return n;
    }

    private static Collected parse(FlowFormat parserDefault, LineChunk chunk) {
        Collected c = new Collected();
        new FlowLogParser(parserDefault).parse(chunk, c);
        return c;
    }

    /** Everything a parse produced, in order, as comparable text. */
    private static final class Collected implements FlowLogParser.Sink {
        final List<FlowRecord> records = new ArrayList<>();
        final List<Long> malformedLines = new ArrayList<>();
        final List<String> lines = new ArrayList<>();

        @Override
        public void record(FlowRecord record) {
            records.add(Objects.requireNonNull(record));
            lines.add(record.format().spec() + " | " + record.toLine() + " @" + record.eventTime());
        }

        @Override
        public void malformed(String origin, long lineNumber, String reason) {
            assertThat(origin).isEqualTo("fuzz");
            assertThat(reason).isNotBlank();
            malformedLines.add(lineNumber);
            lines.add(lineNumber + ": " + reason);
        }
    }
}
