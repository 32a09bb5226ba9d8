package io.flowwatch.plugin.rules.cel;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.ast.CelConstant;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.ast.CelReference;
import dev.cel.common.types.CelType;
import dev.cel.common.types.SimpleType;
import io.flowwatch.api.record.FlowField;
import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A checked {@code where} expression compiled into plain Java predicate objects that read the
 * record's columns directly: the fast path of {@link CelCondition}, taken when every node of the
 * expression is in the subset below. It exists because CEL's interpreter boxes every value and
 * dispatches every operator through its runtime, which costs microseconds per record; the common
 * rule shapes need tens of nanoseconds.
 *
 * <p>Subset: {@code && || !}, bool literals, {@code == != < <= > >=} between int operands or
 * between string operands (a field or a literal each), {@code x in [literal, ...]}, string
 * {@code startsWith/endsWith/contains}, and the helpers {@code in_cidr(x, "literal")},
 * {@code is_private(x)}, {@code tcp_flag(x, "LITERAL")}, {@code has_field("literal")}.
 * None of these can fail at run time, so CEL's error values never arise here.
 *
 * <p>Semantics are CEL's as {@link CelCondition} runs it, three-valued: a node that needs an
 * absent field's value is UNKNOWN (CEL's unknown), {@code false && x} is false and
 * {@code true || x} true whatever x is, {@code !UNKNOWN} is UNKNOWN, and an UNKNOWN result does
 * not match. Integers are int64 and strings compare as Java (and cel-java) do.
 *
 * <p>Not thread-safe: column indexes and the address memos are per instance, like the rest of a
 * {@link CelCondition}.
 */
final class NativeCondition {

    static final int FALSE = 0;
    static final int TRUE = 1;
    static final int UNKNOWN = 2;

    private final Node root;
    private final FieldRef[] fields;

    private NativeCondition(Node root, List<FieldRef> fields) {
        this.root = root;
        this.fields = fields.toArray(new FieldRef[0]);
    }

    /** The compiled expression, or null when some node is outside the subset (CEL then runs it). */
    static NativeCondition compile(CelAbstractSyntaxTree ast) {
        if (!ast.isChecked()) {
            return null;
        }
        Compiler c = new Compiler(ast);
        try {
            Node root = c.predicate(ast.getExpr());
            return new NativeCondition(root, c.fields);
        } catch (Unsupported e) {
            return null;
        }
    }

    /** Points every field reference at its column in {@code format} (-1 when the format lacks it). */
    void bind(FlowFormat format) {
        for (FieldRef f : fields) {
            f.column = format.indexOf(f.field);
        }
    }

    /** {@link #TRUE}, {@link #FALSE} or {@link #UNKNOWN}; {@link #bind} must have seen the record's format. */
    int eval(FlowRecord record) {
        return root.eval(record);
    }

    // --- compiling the checked AST

    /** Thrown (without a stack trace) when an expression leaves the subset. */
    private static final class Unsupported extends Exception {
        private static final Unsupported INSTANCE = new Unsupported();

        private Unsupported() {
            super(null, null, false, false);
        }
    }

    private static final class Compiler {
        private final CelAbstractSyntaxTree ast;
        private final List<FieldRef> fields = new ArrayList<>();

        Compiler(CelAbstractSyntaxTree ast) {
            this.ast = ast;
        }

        Node predicate(CelExpr e) throws Unsupported {
            switch (e.getKind()) {
                case CONSTANT -> {
                    CelConstant k = e.constant();
                    if (k.getKind() == CelConstant.Kind.BOOLEAN_VALUE) {
                        return k.booleanValue() ? Const.TRUE_NODE : Const.FALSE_NODE;
                    }
                    throw Unsupported.INSTANCE;
                }
                case CALL -> {
                    return call(e);
                }
                default -> throw Unsupported.INSTANCE;
            }
        }

        /**
         * {@code a && b} (or {@code ||}) with the operands of the whole chain in order of cost,
         * cheapest first: {@code action == 'ACCEPT' && ... && bytes > 1000000} tests the number
         * first, which settles most records at once. The order cannot change a result: in the
         * three-valued logic of {@link #eval} both operators are commutative, and no node here
         * fails or has side effects.
         */
        private static Node chain(boolean and, Node a, Node b) {
            List<Node> terms = new ArrayList<>();
            flatten(and, a, terms);
            flatten(and, b, terms);
            terms.sort(java.util.Comparator.comparingInt(Node::cost)); // stable: equal costs keep their order
            Node n = terms.get(0);
            for (int i = 1; i < terms.size(); i++) {
                n = and ? new And(n, terms.get(i)) : new Or(n, terms.get(i));
            }
            return n;
        }

        private static void flatten(boolean and, Node n, List<Node> out) {
            if (and && n instanceof And x) {
                flatten(true, x.a, out);
                flatten(true, x.b, out);
            } else if (!and && n instanceof Or x) {
                flatten(false, x.a, out);
                flatten(false, x.b, out);
            } else {
                out.add(n);
            }
        }

        private Node call(CelExpr e) throws Unsupported {
            CelExpr.CelCall call = e.call();
            List<CelExpr> args = call.args();
            String fn = call.function();
            if (call.target().isPresent()) {
                Op op = switch (fn) {
                    case "startsWith" -> Op.STARTS_WITH;
                    case "endsWith" -> Op.ENDS_WITH;
                    case "contains" -> Op.CONTAINS;
                    default -> throw Unsupported.INSTANCE;
                };
                requireArgs(args, 1);
                return new StrCompare(op, strOperand(call.target().get()), strOperand(args.get(0)));
            }
            switch (fn) {
                case "_&&_", "_||_" -> {
                    if (args.size() != 2) {
                        throw Unsupported.INSTANCE;
                    }
                    return chain(fn.equals("_&&_"), predicate(args.get(0)), predicate(args.get(1)));
                }
                case "!_" -> {
                    requireArgs(args, 1);
                    return new Not(predicate(args.get(0)));
                }
                case "_==_", "_!=_", "_<_", "_<=_", "_>_", "_>=_" -> {
                    requireArgs(args, 2);
                    Op op = switch (fn) {
                        case "_==_" -> Op.EQ;
                        case "_!=_" -> Op.NE;
                        case "_<_" -> Op.LT;
                        case "_<=_" -> Op.LE;
                        case "_>_" -> Op.GT;
                        default -> Op.GE;
                    };
                    CelType left = type(args.get(0));
                    CelType right = type(args.get(1));
                    if (SimpleType.INT.equals(left) && SimpleType.INT.equals(right)) {
                        return new IntCompare(op, intOperand(args.get(0)), intOperand(args.get(1)));
                    }
                    if (SimpleType.STRING.equals(left) && SimpleType.STRING.equals(right)) {
                        return new StrCompare(op, strOperand(args.get(0)), strOperand(args.get(1)));
                    }
                    throw Unsupported.INSTANCE;
                }
                case "@in" -> {
                    requireArgs(args, 2);
                    return inList(args.get(0), args.get(1));
                }
                case CelFlowLibrary.IN_CIDR -> {
                    requireOverload(e, "in_cidr_string_string");
                    String cidr = stringLiteral(args.get(1));
                    IpPrefix prefix;
                    try {
                        prefix = IpPrefix.parse(cidr);
                    } catch (IllegalArgumentException ex) {
                        throw Unsupported.INSTANCE; // CelCondition.compile reports it first
                    }
                    return new InCidr(strOperand(args.get(0)), prefix);
                }
                case CelFlowLibrary.IS_PRIVATE -> {
                    requireOverload(e, "is_private_string");
                    return new IsPrivate(strOperand(args.get(0)));
                }
                case CelFlowLibrary.TCP_FLAG -> {
                    requireOverload(e, "tcp_flag_int_string");
                    int mask = CelFlowLibrary.tcpFlagMask(stringLiteral(args.get(1)));
                    if (mask < 0) {
                        throw Unsupported.INSTANCE;
                    }
                    return new TcpFlag(intOperand(args.get(0)), mask);
                }
                case CelFlowLibrary.HAS_FIELD -> {
                    requireOverload(e, CelFlowLibrary.HAS_FIELD_OVERLOAD);
                    FlowField f = CelFlowLibrary.fieldByAnyName(stringLiteral(args.get(0)));
                    if (f == null) {
                        throw Unsupported.INSTANCE;
                    }
                    return new HasField(field(f));
                }
                default -> throw Unsupported.INSTANCE;
            }
        }

        private Node inList(CelExpr needle, CelExpr list) throws Unsupported {
            if (list.getKind() != CelExpr.ExprKind.Kind.LIST || !list.list().optionalIndices().isEmpty()) {
                throw Unsupported.INSTANCE;
            }
            List<CelExpr> elements = list.list().elements();
            CelType type = type(needle);
            if (SimpleType.INT.equals(type)) {
                long[] values = new long[elements.size()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = intLiteral(elements.get(i));
                }
                Arrays.sort(values);
                return new IntIn(intOperand(needle), values);
            }
            if (SimpleType.STRING.equals(type)) {
                Set<String> values = new HashSet<>();
                for (CelExpr el : elements) {
                    values.add(stringLiteral(el));
                }
                return new StrIn(strOperand(needle), values);
            }
            throw Unsupported.INSTANCE;
        }

        private IntOperand intOperand(CelExpr e) throws Unsupported {
            if (!SimpleType.INT.equals(type(e))) {
                throw Unsupported.INSTANCE;
            }
            if (e.getKind() == CelExpr.ExprKind.Kind.CONSTANT) {
                return new IntOperand(null, intLiteral(e));
            }
            FlowField f = variable(e);
            if (!f.type().numeric()) {
                throw Unsupported.INSTANCE;
            }
            return new IntOperand(field(f), 0);
        }

        private StrOperand strOperand(CelExpr e) throws Unsupported {
            if (!SimpleType.STRING.equals(type(e))) {
                throw Unsupported.INSTANCE;
            }
            if (e.getKind() == CelExpr.ExprKind.Kind.CONSTANT) {
                return new StrOperand(null, stringLiteral(e));
            }
            FlowField f = variable(e);
            if (f.type().numeric()) {
                throw Unsupported.INSTANCE;
            }
            return new StrOperand(field(f), null);
        }

        /** The declared variable an identifier resolved to, per the checker's reference map. */
        private FlowField variable(CelExpr e) throws Unsupported {
            if (e.getKind() != CelExpr.ExprKind.Kind.IDENT) {
                throw Unsupported.INSTANCE;
            }
            Optional<CelReference> ref = ast.getReference(e.id());
            if (ref.isEmpty() || ref.get().value().isPresent()) {
                throw Unsupported.INSTANCE;
            }
            FlowField f = CelFlowLibrary.variable(ref.get().name());
            if (f == null) {
                throw Unsupported.INSTANCE;
            }
            return f;
        }

        private FieldRef field(FlowField f) {
            FieldRef r = new FieldRef(f);
            fields.add(r);
            return r;
        }

        private CelType type(CelExpr e) {
            return ast.getType(e.id()).orElse(null);
        }

        private void requireOverload(CelExpr call, String overloadId) throws Unsupported {
            Optional<CelReference> ref = ast.getReference(call.id());
            if (ref.isEmpty() || !ref.get().overloadIds().equals(List.of(overloadId))) {
                throw Unsupported.INSTANCE;
            }
        }

        private static void requireArgs(List<CelExpr> args, int n) throws Unsupported {
            if (args.size() != n) {
                throw Unsupported.INSTANCE;
            }
        }

        private static long intLiteral(CelExpr e) throws Unsupported {
            if (e.getKind() != CelExpr.ExprKind.Kind.CONSTANT || e.constant().getKind() != CelConstant.Kind.INT64_VALUE) {
                throw Unsupported.INSTANCE;
            }
            return e.constant().int64Value();
        }

        private static String stringLiteral(CelExpr e) throws Unsupported {
            if (e.getKind() != CelExpr.ExprKind.Kind.CONSTANT || e.constant().getKind() != CelConstant.Kind.STRING_VALUE) {
                throw Unsupported.INSTANCE;
            }
            return e.constant().stringValue();
        }
    }

    // --- run-time nodes

    private enum Op { EQ, NE, LT, LE, GT, GE, STARTS_WITH, ENDS_WITH, CONTAINS }

    /** A field read by the expression; {@link #column} follows the record format. */
    private static final class FieldRef {
        final FlowField field;
        int column = -1;

        FieldRef(FlowField field) {
            this.field = field;
        }
    }

    /** An int field or literal. */
    private static final class IntOperand {
        private final FieldRef ref;
        private final long constant;

        IntOperand(FieldRef ref, long constant) {
            this.ref = ref;
            this.constant = constant;
        }

        boolean absent(FlowRecord r) {
            if (ref == null) {
                return false;
            }
            int c = ref.column;
            return c < 0 || r.longAt(c) == FlowRecord.ABSENT;
        }

        /** The value; only meaningful when not {@link #absent}. */
        long value(FlowRecord r) {
            return ref == null ? constant : r.longAt(ref.column);
        }
    }

    /** A string field or literal. */
    private static final class StrOperand {
        private final FieldRef ref;
        private final String constant;

        StrOperand(FieldRef ref, String constant) {
            this.ref = ref;
            this.constant = constant;
        }

        /** The value, or null when the field is absent. */
        String value(FlowRecord r) {
            if (ref == null) {
                return constant;
            }
            int c = ref.column;
            return c < 0 ? null : r.stringAt(c);
        }
    }

    private abstract static class Node {
        abstract int eval(FlowRecord r);

        /** Rough cost of one {@link #eval}: 1 reads a number, 2 a string or an address, more for text searches. */
        abstract int cost();
    }

    private static final class Const extends Node {
        static final Const TRUE_NODE = new Const(TRUE);
        static final Const FALSE_NODE = new Const(FALSE);
        private final int value;

        private Const(int value) {
            this.value = value;
        }

        @Override
        int cost() {
            return 0;
        }

        @Override
        int eval(FlowRecord r) {
            return value;
        }
    }

    private static final class And extends Node {
        private final Node a;
        private final Node b;

        And(Node a, Node b) {
            this.a = a;
            this.b = b;
        }

        @Override
        int cost() {
            return a.cost() + b.cost();
        }

        @Override
        int eval(FlowRecord r) {
            int x = a.eval(r);
            if (x == FALSE) {
                return FALSE;
            }
            int y = b.eval(r);
            return y == FALSE ? FALSE : (x | y) == TRUE ? TRUE : UNKNOWN;
        }
    }

    private static final class Or extends Node {
        private final Node a;
        private final Node b;

        Or(Node a, Node b) {
            this.a = a;
            this.b = b;
        }

        @Override
        int cost() {
            return a.cost() + b.cost();
        }

        @Override
        int eval(FlowRecord r) {
            int x = a.eval(r);
            if (x == TRUE) {
                return TRUE;
            }
            int y = b.eval(r);
            return y == TRUE ? TRUE : (x | y) == FALSE ? FALSE : UNKNOWN;
        }
    }

    private static final class Not extends Node {
        private final Node a;

        Not(Node a) {
            this.a = a;
        }

        @Override
        int cost() {
            return a.cost();
        }

        @Override
        int eval(FlowRecord r) {
            int x = a.eval(r);
            return x == UNKNOWN ? UNKNOWN : x ^ 1;
        }
    }

    private static int bool(boolean b) {
        return b ? TRUE : FALSE;
    }

    private static final class IntCompare extends Node {
        private final Op op;
        private final IntOperand a;
        private final IntOperand b;

        IntCompare(Op op, IntOperand a, IntOperand b) {
            this.op = op;
            this.a = a;
            this.b = b;
        }

        @Override
        int cost() {
            return 1;
        }

        @Override
        int eval(FlowRecord r) {
            if (a.absent(r) || b.absent(r)) {
                return UNKNOWN;
            }
            long x = a.value(r);
            long y = b.value(r);
            return bool(switch (op) {
                case EQ -> x == y;
                case NE -> x != y;
                case LT -> x < y;
                case LE -> x <= y;
                case GT -> x > y;
                case GE -> x >= y;
                default -> throw new AssertionError(op);
            });
        }
    }

    private static final class StrCompare extends Node {
        private final Op op;
        private final StrOperand a;
        private final StrOperand b;

        // The last operands and verdict: the parser hands out one String instance per repeated
        // value (ACCEPT, REJECT, OK), so a record usually brings the very instances of the one before.
        private String lastX;
        private String lastY;
        private int lastVerdict;

        StrCompare(Op op, StrOperand a, StrOperand b) {
            this.op = op;
            this.a = a;
            this.b = b;
        }

        @Override
        int cost() {
            return op == Op.EQ || op == Op.NE ? 2 : 4;
        }

        @Override
        int eval(FlowRecord r) {
            String x = a.value(r);
            String y = b.value(r);
            if (x == null || y == null) {
                return UNKNOWN;
            }
            if (x != lastX || y != lastY) {
                lastVerdict = compare(x, y);
                lastX = x;
                lastY = y;
            }
            return lastVerdict;
        }

        private int compare(String x, String y) {
            // String.compareTo is what cel-java's less_string and friends use.
            return bool(switch (op) {
                case EQ -> x.equals(y);
                case NE -> !x.equals(y);
                case LT -> x.compareTo(y) < 0;
                case LE -> x.compareTo(y) <= 0;
                case GT -> x.compareTo(y) > 0;
                case GE -> x.compareTo(y) >= 0;
                case STARTS_WITH -> x.startsWith(y);
                case ENDS_WITH -> x.endsWith(y);
                case CONTAINS -> x.contains(y);
            });
        }
    }

    private static final class IntIn extends Node {
        private final IntOperand a;
        private final long[] sorted;

        IntIn(IntOperand a, long[] sorted) {
            this.a = a;
            this.sorted = sorted;
        }

        @Override
        int cost() {
            return 2;
        }

        @Override
        int eval(FlowRecord r) {
            if (a.absent(r)) {
                return UNKNOWN;
            }
            long x = a.value(r);
            if (sorted.length <= 8) {
                for (long v : sorted) {
                    if (v == x) {
                        return TRUE;
                    }
                }
                return FALSE;
            }
            return bool(Arrays.binarySearch(sorted, x) >= 0);
        }
    }

    private static final class StrIn extends Node {
        private final StrOperand a;
        private final String[] small;
        private final Set<String> large;

        StrIn(StrOperand a, Set<String> values) {
            this.a = a;
            this.small = values.size() <= 8 ? values.toArray(new String[0]) : null;
            this.large = small == null ? Set.copyOf(values) : null;
        }

        @Override
        int cost() {
            return 3;
        }

        @Override
        int eval(FlowRecord r) {
            String x = a.value(r);
            if (x == null) {
                return UNKNOWN;
            }
            if (small != null) {
                for (String v : small) {
                    if (v.equals(x)) {
                        return TRUE;
                    }
                }
                return FALSE;
            }
            return bool(large.contains(x));
        }
    }

    private static final class TcpFlag extends Node {
        private final IntOperand a;
        private final long mask;

        TcpFlag(IntOperand a, long mask) {
            this.a = a;
            this.mask = mask;
        }

        @Override
        int cost() {
            return 1;
        }

        @Override
        int eval(FlowRecord r) {
            return a.absent(r) ? UNKNOWN : bool((a.value(r) & mask) == mask);
        }
    }

    private static final class HasField extends Node {
        private final FieldRef ref;

        HasField(FieldRef ref) {
            this.ref = ref;
        }

        @Override
        int cost() {
            return 1;
        }

        @Override
        int eval(FlowRecord r) {
            int c = ref.column;
            return bool(c >= 0 && r.isPresent(c));
        }
    }

    /**
     * An address test memoised by address text: the parser mostly hands out the same String
     * instance for a repeated address (its per-column caches), which makes a hit one reference
     * compare; an equal text in another instance still hits. Direct-mapped: a collision just
     * replaces the slot (Strings are immutable, so a slot can never be misread).
     */
    private abstract static class AddressTest extends Node {
        private static final int SLOTS = 4096; // covers the active address set of a busy VPC; 20 KB per test
        private final StrOperand a;
        private final String[] keys = new String[SLOTS];
        private final boolean[] results = new boolean[SLOTS];

        AddressTest(StrOperand a) {
            this.a = a;
        }

        abstract boolean test(String address);

        /** The same test for an IPv4 address as a number (the parser's value; no text to parse). */
        abstract boolean testV4(long address);

        @Override
        int cost() {
            return 2;
        }

        @Override
        final int eval(FlowRecord r) {
            if (a.ref != null && a.ref.column >= 0) {
                long v4 = r.ipv4At(a.ref.column);
                if (v4 >= 0) {
                    return bool(testV4(v4));
                }
            }
            String x = a.value(r);
            if (x == null) {
                return UNKNOWN;
            }
            int h = x.hashCode(); // cached inside the String after its first use
            int slot = (h ^ (h >>> 16)) & (SLOTS - 1);
            String k = keys[slot];
            if (k == x || k != null && k.equals(x)) {
                return bool(results[slot]);
            }
            boolean result = test(x);
            keys[slot] = x;
            results[slot] = result;
            return bool(result);
        }
    }

    private static final class InCidr extends AddressTest {
        private final IpPrefix prefix;

        InCidr(StrOperand a, IpPrefix prefix) {
            super(a);
            this.prefix = prefix;
        }

        @Override
        boolean test(String address) {
            return prefix.contains(address);
        }

        @Override
        boolean testV4(long address) {
            return prefix.containsV4(address);
        }
    }

    private static final class IsPrivate extends AddressTest {
        IsPrivate(StrOperand a) {
            super(a);
        }

        @Override
        boolean test(String address) {
            return CelFlowLibrary.isPrivate(address);
        }

        @Override
        boolean testV4(long address) {
            return CelFlowLibrary.isPrivateV4(address);
        }
    }
}
