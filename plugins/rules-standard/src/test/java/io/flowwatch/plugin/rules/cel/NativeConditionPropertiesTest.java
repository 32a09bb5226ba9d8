package io.flowwatch.plugin.rules.cel;

import io.flowwatch.api.record.FlowField;
import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fast path against CEL's interpreter: random expressions from the fast path's grammar over
 * random records (absent values, NODATA records, formats lacking fields) give the same result
 * either way.
 */
class NativeConditionPropertiesTest {

    private static final FlowFormat FULL = FlowFormat.parse(
            "${srcaddr} ${dstaddr} ${dstport} ${protocol} ${bytes} ${action} ${tcp-flags} ${log-status}");
    /** Lacks dstaddr, protocol, bytes, tcp-flags and log-status altogether. */
    private static final FlowFormat PARTIAL = FlowFormat.parse("${srcaddr} ${dstport} ${action}");
    private static final FlowField[] FIELDS = {
        FlowField.SRCADDR, FlowField.DSTADDR, FlowField.DSTPORT, FlowField.PROTOCOL, FlowField.BYTES,
        FlowField.ACTION, FlowField.TCP_FLAGS, FlowField.LOG_STATUS,
    };

    // Value pools: literals and record values overlap so comparisons hit both ways. Records take
    // these very String instances, as the parser's caches hand out, so the address memo is used.
    private static final String[] ADDRESSES = {
        "10.0.0.5", "10.255.255.255", "172.16.3.4", "172.31.255.255", "172.32.0.1", "192.168.1.1", "192.169.0.1",
        "8.8.8.8", "203.0.113.12", "100.64.0.1", "2001:db8::1", "fd00::1", "fc00::", "fe80::1", "::ffff:10.0.0.1",
        "garbage", "10.0.0.256", "010.0.0.1", "",
    };
    private static final String[] CIDRS = {
        "10.0.0.0/8", "172.16.0.0/12", "203.0.113.0/24", "0.0.0.0/0", "8.8.8.8", "10.1.2.3/8", "2001:db8::/32",
        "::/0", "fc00::/7", "::ffff:0:0/96",
    };
    private static final String[] ACTIONS = {"ACCEPT", "REJECT", "accept", "", "ACCEPTED"};
    private static final String[] STATUSES = {"OK", "NODATA", "SKIPDATA"};
    private static final String[] STRING_FIELDS = {"srcaddr", "dstaddr", "action", "log_status"};
    private static final String[] INT_FIELDS = {"dstport", "protocol", "bytes", "tcp_flags"};
    private static final long[] INTS = {0, 1, 2, 6, 17, 18, 22, 80, 443, 3389, 65535, 1000000, 1000001,
        9000000000L, -1, Long.MAX_VALUE};
    private static final String[] OPS = {"==", "!=", "<", "<=", ">", ">="};
    private static final String[] FLAGS = {"FIN", "SYN", "RST", "PSH", "ACK", "URG", "SYN-ACK", "syn"};
    private static final String[] STRING_LITERALS = {"ACCEPT", "REJECT", "OK", "NODATA", "10.", "0.1", "::",
        "10.0.0.5", "8.8.8.8", "", "A"};

    @Property(tries = 1500)
    void fastPathAgreesWithCelOnEveryRecord(@ForAll("expressions") String expression,
                                            @ForAll("recordLists") List<FlowRecord> records) {
        CelCondition fast = CelCondition.compile(expression, null, true);
        CelCondition cel = CelCondition.compile(expression, null, false);
        assertThat(fast.compiledNatively()).as("fast path for %s", expression).isTrue();
        assertThat(cel.compiledNatively()).isFalse();
        // Twice over, so the second pass reads the address memos the first one filled.
        for (int pass = 0; pass < 2; pass++) {
            for (FlowRecord r : records) {
                boolean expected = cel.test(r);
                assertThat(fast.test(r)).as("%s on %s", expression, r.toLine()).isEqualTo(expected);
                Statistics.label("result").collect(expected);
            }
        }
        assertThat(cel.errorCount()).as("CEL errors: %s", cel.lastError()).isZero();
        assertThat(fast.errorCount()).isZero();
    }

    // --- expressions

    @Provide
    Arbitrary<String> expressions() {
        return expression(4);
    }

    private static Arbitrary<String> expression(int depth) {
        if (depth == 0) {
            return leaf();
        }
        Arbitrary<String> sub = Arbitraries.lazy(() -> expression(depth - 1));
        return Arbitraries.frequencyOf(
                Tuple.of(3, leaf()),
                Tuple.of(3, Combinators.combine(sub, sub, Arbitraries.of("&&", "||"))
                        .as((a, b, op) -> a + " " + op + " " + b)),
                Tuple.of(2, Combinators.combine(sub, sub, Arbitraries.of("&&", "||"))
                        .as((a, b, op) -> "(" + a + " " + op + " " + b + ")")),
                Tuple.of(2, sub.map(a -> "!(" + a + ")")));
    }

    private static Arbitrary<String> leaf() {
        Arbitrary<String> intField = Arbitraries.of(INT_FIELDS);
        Arbitrary<String> strField = Arbitraries.of(STRING_FIELDS);
        Arbitrary<String> addrField = Arbitraries.of("srcaddr", "dstaddr");
        Arbitrary<String> intLit = Arbitraries.of(Longs.boxed(INTS)).map(String::valueOf);
        Arbitrary<String> strLit = Arbitraries.of(concat(STRING_LITERALS, ADDRESSES, ACTIONS)).map(s -> "'" + s + "'");
        Arbitrary<String> op = Arbitraries.of(OPS);
        return Arbitraries.oneOf(
                Combinators.combine(intField, op, intLit).as((f, o, l) -> f + " " + o + " " + l),
                Combinators.combine(intLit, op, intField).as((l, o, f) -> l + " " + o + " " + f),
                Combinators.combine(intField, op, intField).as((a, o, b) -> a + " " + o + " " + b),
                Combinators.combine(strField, op, strLit).as((f, o, l) -> f + " " + o + " " + l),
                Combinators.combine(strField, op, strField).as((a, o, b) -> a + " " + o + " " + b),
                Combinators.combine(intLit, op, intLit).as((a, o, b) -> a + " " + o + " " + b),
                Combinators.combine(intField, intLit.list().ofMinSize(1).ofMaxSize(12))
                        .as((f, l) -> f + " in [" + String.join(", ", l) + "]"),
                Combinators.combine(strField, strLit.list().ofMinSize(1).ofMaxSize(12))
                        .as((f, l) -> f + " in [" + String.join(", ", l) + "]"),
                Combinators.combine(addrField, Arbitraries.of(CIDRS)).as((f, c) -> "in_cidr(" + f + ", '" + c + "')"),
                Arbitraries.of(CIDRS).map(c -> "in_cidr('10.0.0.5', '" + c + "')"),
                addrField.map(f -> "is_private(" + f + ")"),
                addrField.map(f -> "!is_private(" + f + ")"),
                Combinators.combine(Arbitraries.of("tcp_flags", "protocol", "18"), Arbitraries.of(FLAGS))
                        .as((f, n) -> "tcp_flag(" + f + ", '" + n + "')"),
                Arbitraries.of("srcaddr", "dstaddr", "dstport", "tcp-flags", "log-status", "log_status", "vpc_id")
                        .map(n -> "has_field('" + n + "')"),
                Combinators.combine(strField, Arbitraries.of("startsWith", "endsWith", "contains"), strLit)
                        .as((f, m, l) -> f + "." + m + "(" + l + ")"),
                Arbitraries.of("true", "false"));
    }

    // --- records

    @Provide
    Arbitrary<List<FlowRecord>> recordLists() {
        return Arbitraries.frequencyOf(
                Tuple.of(8, record()),
                Tuple.of(1, Arbitraries.just(nodata())))
                .list().ofMinSize(1).ofMaxSize(6);
    }

    private static Arbitrary<FlowRecord> record() {
        List<Arbitrary<Object>> values = new ArrayList<>();
        values.add(absentOr(Arbitraries.of((Object[]) ADDRESSES)));
        values.add(absentOr(Arbitraries.of((Object[]) ADDRESSES)));
        values.add(absentOr(Arbitraries.of(0L, 22L, 80L, 443L, 3389L, 65535L)));
        values.add(absentOr(Arbitraries.of(1L, 6L, 17L)));
        values.add(absentOr(Arbitraries.of(0L, 40L, 1000000L, 1000001L, 9000000000L)));
        values.add(absentOr(Arbitraries.of((Object[]) ACTIONS)));
        values.add(absentOr(Arbitraries.of(0L, 1L, 2L, 4L, 18L, 19L, 63L)));
        values.add(absentOr(Arbitraries.of((Object[]) STATUSES)));
        Arbitrary<FlowFormat> format = Arbitraries.frequency(Tuple.of(5, FULL), Tuple.of(1, PARTIAL));
        return Combinators.combine(Combinators.combine(values).as(ArrayList::new), format).as(NativeConditionPropertiesTest::build);
    }

    private static Arbitrary<Object> absentOr(Arbitrary<Object> value) {
        return Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.just(null)), Tuple.of(4, value));
    }

    private static FlowRecord build(List<Object> values, FlowFormat format) {
        FlowRecord.Builder b = FlowRecord.builder(format);
        for (int i = 0; i < FIELDS.length; i++) {
            int col = format.indexOf(FIELDS[i]);
            Object v = values.get(i);
            if (col >= 0 && v != null) {
                if (v instanceof Long l) {
                    b.set(col, l.longValue());
                } else {
                    b.set(col, (String) v);
                }
            }
        }
        return b.build();
    }

    private static FlowRecord nodata() {
        return FlowRecord.builder(FULL).set(FlowField.LOG_STATUS, "NODATA").build();
    }

    private static String[] concat(String[]... arrays) {
        List<String> all = new ArrayList<>();
        for (String[] a : arrays) {
            all.addAll(List.of(a));
        }
        return all.toArray(new String[0]);
    }

    private static final class Longs {
        static List<Long> boxed(long[] values) {
            List<Long> out = new ArrayList<>();
            for (long v : values) {
                out.add(v);
            }
            return out;
        }
    }
}
