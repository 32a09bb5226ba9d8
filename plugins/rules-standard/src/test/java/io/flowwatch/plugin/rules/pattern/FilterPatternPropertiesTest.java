package io.flowwatch.plugin.rules.pattern;

import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.StringLength;
import net.jqwik.api.statistics.Statistics;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class FilterPatternPropertiesTest {

    static final List<FlowFormat> FORMATS = List.of(FlowFormat.DEFAULT,
            FlowFormat.parse("${srcaddr} ${dstport} ${action}"),
            FlowFormat.parse("${version} ${srcaddr} ${dstaddr} ${bytes} ${action} ${log-status} ${tcp-flags} ${flow-direction} ${encryption-status}"));

    static final List<FlowRecord> SAMPLE_RECORDS = List.of(FlowLines.record(FilterPatternTest.SSH_REJECT),
            FlowLines.record(FilterPatternTest.NODATA), FlowLines.record(FORMATS.get(1), "10.0.0.1 22 REJECT"));

    @Property(tries = 3000)
    void compilingAnyTextEitherSucceedsOrReportsAPatternErrorAndMatchingNeverThrows(
            @ForAll @StringLength(max = 40) @Chars({'[', ']', ',', '=', '!', '<', '>', '&', '|', '*', '.', '"', '\\',
                    '-', '?', ' ', 'a', 'b', '_', '1', '2', 'e', '+', '%', '{', '$'}) String text,
            @ForAll @StringLength(max = 30) @Chars({'[', ']', '"', ' ', 'a', '1', '2', '.', '-', '*'}) String line) {
        assertCompilesOrFailsCleanly(text, line);
    }

    @Property(tries = 1000)
    void compilingArbitraryUnicodeEitherSucceedsOrReportsAPatternError(@ForAll @StringLength(max = 60) String text,
                                                                      @ForAll @StringLength(max = 60) String line) {
        assertCompilesOrFailsCleanly(text, line);
    }

    private static void assertCompilesOrFailsCleanly(String text, String line) {
        FilterPattern p;
        try {
            p = FilterPattern.compile(text);
        } catch (FilterPatternException e) {
            assertThat(e.position()).isBetween(0, text.length());
            assertThat(e.getMessage()).contains("expected").endsWith(" at position " + e.position());
            return;
        }
        p.matchesLine(line);
        for (FlowRecord r : SAMPLE_RECORDS) {
            p.test(r);
        }
    }

    @Property(tries = 3000)
    void aRecordMatchesExactlyWhenItsTextLineMatches(@ForAll("patterns") String pattern, @ForAll("records") FlowRecord record) {
        FilterPattern p = FilterPattern.compile(pattern);
        assertThat(p.test(record)).as("%s on %s", pattern, record).isEqualTo(p.matchesLine(record.toLine()));
    }

    /** Guards the generators: the equivalence above means little unless both outcomes are common. */
    @Property(tries = 3000)
    void generatedCasesCoverMatchesAndMisses(@ForAll("patterns") String pattern, @ForAll("records") FlowRecord record) {
        boolean matched = FilterPattern.compile(pattern).test(record);
        Statistics.collect(pattern.startsWith("[") ? "bracket" : "terms", matched);
        Statistics.coverage(c -> {
            c.check("bracket", true).percentage(pct -> pct > 2);
            c.check("bracket", false).percentage(pct -> pct > 20);
            c.check("terms", true).percentage(pct -> pct > 5);
            c.check("terms", false).percentage(pct -> pct > 5);
        });
    }

    // ---- generators ----

    static final String[] NUMBER_VALUES = {"0", "1", "2", "6", "22", "443", "3389", "4249", "4e3", "+1", "1.5", "-5", "022", "1418530010"};
    static final String[] STRING_VALUES = {"ACCEPT", "REJECT", "OK", "NODATA", "REJ*", "*EPT", "10.0.*", "*", "\"-\"",
            "\"a b\"", "x_y", "eni-*", "*.*", "1*", "*2*", "\"*\""};
    static final String[] NAMES = {"a", "b", "version", "srcaddr", "dstport", "action", "x-y", "log_status"};

    @Provide
    Arbitrary<String> patterns() {
        return Arbitraries.oneOf(bracketPatterns(), termPatterns());
    }

    Arbitrary<String> bracketPatterns() {
        Arbitrary<String> field = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, Arbitraries.of(NAMES)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just("")),
                net.jqwik.api.Tuple.of(6, condition()));
        return Combinators.combine(field.list().ofMinSize(1).ofMaxSize(11), Arbitraries.integers().between(-1, 11))
                .as((fields, ellipsisAt) -> {
                    List<String> fs = new ArrayList<>(fields);
                    if (ellipsisAt >= 0) {
                        fs.add(Math.min(ellipsisAt, fs.size()), "...");
                    }
                    if (fs.size() == 1 && fs.get(0).isEmpty()) {
                        fs.set(0, "a");
                    }
                    return "[" + String.join(", ", fs) + "]";
                });
    }

    Arbitrary<String> condition() {
        Arbitrary<String> numeric = Combinators.combine(Arbitraries.of("=", "!=", "<", "<=", ">", ">="), Arbitraries.of(NUMBER_VALUES))
                .as((op, v) -> op + v);
        Arbitrary<String> string = Combinators.combine(Arbitraries.of("=", " != "), Arbitraries.of(STRING_VALUES)).as((op, v) -> op + v);
        Arbitrary<String> comparison = Arbitraries.oneOf(numeric, string);
        return Combinators.combine(Arbitraries.of(NAMES), comparison.list().ofMinSize(1).ofMaxSize(3),
                Arbitraries.of(" && ", " || ", "&&", "||").list().ofSize(2)).as((name, cmps, joins) -> {
                    StringBuilder sb = new StringBuilder();
                    for (int i = 0; i < cmps.size(); i++) {
                        if (i > 0) {
                            sb.append(joins.get(i - 1));
                        }
                        sb.append(name).append(cmps.get(i));
                    }
                    return sb.toString();
                });
    }

    Arbitrary<String> termPatterns() {
        Arbitrary<String> term = Combinators.combine(Arbitraries.of("", "-", "?"),
                Arbitraries.of("REJECT", "ACCEPT", "22", "443", "0", "OK", "eni", "10", "x_y", "1418530010",
                        "\"10.0.1.5\"", "\"10.0.1.5 443\"", "\" \"", "\"-\"", "\"5 22\"", "\"-5\"", "\".\"", "\"0 -\"", "\"T O\""))
                .as((prefix, t) -> prefix + t);
        return term.list().ofMinSize(0).ofMaxSize(4).map(ts -> String.join(" ", ts));
    }

    @Provide
    Arbitrary<FlowRecord> records() {
        Arbitrary<Long> number = Arbitraries.oneOf(Arbitraries.of(0L, 1L, 2L, 5L, 6L, 22L, 443L, 3389L, 4249L, 4000L, 1418530010L, -5L),
                Arbitraries.longs().between(0, 1L << 40));
        Arbitrary<String> string = Arbitraries.of("ACCEPT", "REJECT", "OK", "NODATA", "10.0.1.5", "172.31.16.139", "eni-0a1b",
                "123456789010", "22", "443", "x_y", "a.b-c", "1e3", "-5", "7.5", "*", "REJ", "REJECT*", "10.0.1.5:443", "T");
        return Arbitraries.of(FORMATS).flatMap(f -> {
            List<Arbitrary<Object>> cols = new ArrayList<>();
            for (int i = 0; i < f.size(); i++) {
                Arbitrary<Object> v = f.column(i).type().numeric() ? number.map(x -> (Object) x) : string.map(x -> (Object) x);
                cols.add(v.injectNull(0.25));
            }
            return Combinators.combine(cols).as(values -> {
                FlowRecord.Builder b = FlowRecord.builder(f);
                for (int i = 0; i < values.size(); i++) {
                    Object v = values.get(i);
                    if (v instanceof Long l) {
                        b.set(i, l);
                    } else if (v instanceof String s) {
                        b.set(i, s);
                    }
                }
                return b.build();
            });
        });
    }
}
