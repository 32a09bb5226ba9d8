package io.flowwatch.plugin.rules.cel;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelIssue;
import dev.cel.common.CelSource;
import dev.cel.common.CelSourceLocation;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.common.ast.CelConstant;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.navigation.CelNavigableAst;
import dev.cel.common.navigation.CelNavigableExpr;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelFunctionBinding;
import dev.cel.runtime.CelLateFunctionBindings;
import dev.cel.runtime.CelRuntime;
import io.flowwatch.api.PluginMetrics;
import io.flowwatch.api.record.FlowField;
import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;
import io.flowwatch.plugin.rules.predicate.RecordCondition;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A rule's {@code where} expression: CEL (<a href="https://github.com/google/cel-spec">cel-spec</a>)
 * over the fields of one flow-log record, type-checked when the rule is loaded.
 *
 * <h2>Variables</h2>
 * Every field AWS documents ({@link FlowField}, all format versions), named with hyphens as
 * underscores: {@code srcaddr}, {@code log_status}, {@code pkt_srcaddr}, {@code tcp_flags}.
 * INT32/INT64 fields ({@code dstport}, {@code bytes}, {@code start}, ...) are CEL {@code int};
 * all others are {@code string}. Fields AWS does not document (kept by the parser under their own
 * names) are not variables.
 *
 * <h2>Absent fields</h2>
 * A field is absent when the record has {@code -} for it or its format lacks it. An expression
 * that needs an absent field's value does not match the record, like SQL's {@code WHERE} with
 * NULL: {@code dstport == 22} and {@code dstport != 22} are both no-match for a record without
 * a port, and {@code !(...)} does not turn that into a match. The other side of {@code &&} and
 * {@code ||} still decides when it can: {@code action == 'ACCEPT' || dstport == 22} matches an
 * ACCEPT record without a port. Absent fields are not evaluation errors and are not counted.
 * {@code has_field("dstport")} (CEL or AWS spelling, a literal) tests presence:
 * {@code !has_field("dstport") || dstport < 1024}.
 *
 * <h2>Helpers</h2>
 * <ul>
 * <li>{@code in_cidr(addr, cidr)}: whether the IPv4 or IPv6 address lies in the network
 *     ({@code "10.0.0.0/8"}, {@code "2001:db8::/32"}, a bare address is /32 or /128; host bits
 *     below the prefix are ignored). Families never mix. A literal CIDR is checked and parsed
 *     when the expression compiles; text that is not an address is not in any network.</li>
 * <li>{@code is_private(addr)}: RFC 1918 ({@code 10/8}, {@code 172.16/12}, {@code 192.168/16}) or
 *     IPv6 unique-local ({@code fc00::/7}). Loopback, link-local ({@code 169.254/16},
 *     {@code fe80::/10}), CGNAT ({@code 100.64/10}) and IPv4-mapped IPv6 addresses are
 *     <em>not</em> private here: AWS flow logs do not record loopback, and the others are not
 *     "private network" in the RFC 1918 sense that rules usually mean.</li>
 * <li>{@code tcp_flag(tcp_flags, "SYN")}: whether every bit of the named flag is set. Names
 *     (case-insensitive): FIN 1, SYN 2, RST 4, PSH 8, ACK 16, URG 32, SYN-ACK 18. AWS only
 *     records FIN, SYN, RST and SYN-ACK. A literal unknown name is a compile error.</li>
 * </ul>
 *
 * <h2>Errors</h2>
 * {@link #compile} throws {@link CelConditionException} naming the line and column inside the
 * expression. At run time an evaluation error ({@code 1 / (dstport - 22)}, an overflow, a
 * computed malformed CIDR) never escapes {@link #test}: the record does not match and the error
 * is counted ({@link #errorCount()} and the counter passed to {@link #compile(String, PluginMetrics.Counter)}).
 *
 * <h2>Evaluation</h2>
 * Expressions made only of {@code && || !}, comparisons of fields with literals or fields,
 * {@code in [literals]}, {@code startsWith/endsWith/contains} and the helpers with literal
 * arguments (every shipped example rule) are compiled to plain Java predicates that read the
 * record's columns, with identical results; anything else runs on CEL's interpreter.
 *
 * <h2>Threads</h2>
 * Compiled programs are shared and thread-safe, but an instance reuses per-record scratch state:
 * call {@link #test} from one thread at a time (the evaluator thread, as {@link RecordCondition}
 * states).
 */
public final class CelCondition implements RecordCondition {

    private static final String PREFIX = "expected a bool expression: ";

    private final String expression;
    private final CelRuntime.Program presentProgram;
    private final CelRuntime.Program absentProgram;
    private final FlowField[] referenced;
    private final RecordVariables variables = new RecordVariables();
    private final CelLateFunctionBindings lateBindings;
    private final PluginMetrics.Counter errorCounter;
    // The fast path (null when the expression leaves its subset): same results, no CEL runtime.
    private final NativeCondition nativeCondition;

    // Columns of the referenced fields in the last format seen; formats change per object at most.
    private FlowFormat cachedFormat;
    private int[] referencedColumns;
    private long errors;
    private String lastError;

    private CelCondition(String expression, CelAbstractSyntaxTree ast, Set<FlowField> referenced,
                         boolean usesHasField, PluginMetrics.Counter errorCounter, boolean allowNative)
            throws CelEvaluationException {
        this.expression = expression;
        this.nativeCondition = allowNative ? NativeCondition.compile(ast) : null;
        // CEL's programs only for what the fast path cannot run: it has the same results, and
        // CEL's runtimes are built on first use (a third of a second of start-up).
        boolean interpreted = nativeCondition == null;
        this.presentProgram = interpreted ? CelFlowLibrary.Runtimes.PRESENT.createProgram(ast) : null;
        this.absentProgram = interpreted ? CelFlowLibrary.Runtimes.ABSENT.createProgram(ast) : null;
        this.referenced = referenced.toArray(new FlowField[0]);
        this.lateBindings = interpreted && usesHasField
                ? CelLateFunctionBindings.from(CelFunctionBinding.from(CelFlowLibrary.HAS_FIELD_OVERLOAD,
                        String.class, variables::has))
                : null;
        this.errorCounter = errorCounter;
    }

    /**
     * Compiles and type-checks an expression; its evaluation errors are only counted in
     * {@link #errorCount()}.
     *
     * @throws CelConditionException with a message naming the position inside the expression
     */
    public static CelCondition compile(String expression) {
        return compile(expression, null);
    }

    /**
     * Compiles and type-checks an expression; each evaluation error also increments
     * {@code evaluationErrors} (e.g. a rule's {@code where_errors_total} counter), when not null.
     *
     * @throws CelConditionException with a message naming the position inside the expression
     */
    public static CelCondition compile(String expression, PluginMetrics.Counter evaluationErrors) {
        return compile(expression, evaluationErrors, true);
    }

    /**
     * As {@link #compile(String, PluginMetrics.Counter)}; {@code allowNative = false} forces CEL's
     * runtime even when the fast path could run the expression (for tests that compare the two).
     */
    static CelCondition compile(String expression, PluginMetrics.Counter evaluationErrors, boolean allowNative) {
        Objects.requireNonNull(expression, "expression");
        CelValidationResult result = CelFlowLibrary.COMPILER.compile(expression);
        CelAbstractSyntaxTree ast;
        try {
            ast = result.getAst();
        } catch (CelValidationException e) {
            throw fromIssues(e.getSource(), e.getErrors());
        }
        Set<FlowField> referenced = EnumSet.noneOf(FlowField.class);
        List<String> problems = new ArrayList<>();
        int[] firstPosition = null;
        boolean usesHasField = false;
        for (CelNavigableExpr node : (Iterable<CelNavigableExpr>) CelNavigableAst.fromAst(ast).getRoot().allNodes()::iterator) {
            CelExpr e = node.expr();
            String problem = null;
            switch (e.getKind()) {
                case IDENT -> {
                    FlowField f = CelFlowLibrary.variable(e.ident().name());
                    if (f != null) {
                        referenced.add(f);
                    }
                }
                case CALL -> {
                    String fn = e.call().function();
                    List<CelExpr> args = e.call().args();
                    if (fn.equals(CelFlowLibrary.HAS_FIELD)) {
                        usesHasField = true;
                    }
                    problem = checkLiteralArgument(fn, args);
                    if (problem != null) {
                        int[] pos = position(ast.getSource(), args.isEmpty() ? e : args.get(args.size() - 1));
                        problems.add("ERROR: <input>:" + pos[0] + ":" + pos[1] + ": " + problem);
                        if (firstPosition == null) {
                            firstPosition = pos;
                        }
                    }
                }
                default -> {
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new CelConditionException(PREFIX + String.join("; ", problems), firstPosition[0], firstPosition[1]);
        }
        try {
            return new CelCondition(expression, ast, referenced, usesHasField, evaluationErrors, allowNative);
        } catch (CelEvaluationException e) {
            throw new CelConditionException(PREFIX + "cannot plan the expression: " + e.getMessage(), 1, 1);
        }
    }

    /** Checks helper arguments that are literals; null when fine. Literal CIDRs are memoised here. */
    private static String checkLiteralArgument(String fn, List<CelExpr> args) {
        switch (fn) {
            case CelFlowLibrary.IN_CIDR -> {
                String cidr = literal(args.get(1));
                if (cidr != null) {
                    try {
                        CelFlowLibrary.precompile(cidr);
                    } catch (IllegalArgumentException ex) {
                        return ex.getMessage();
                    }
                }
            }
            case CelFlowLibrary.TCP_FLAG -> {
                String name = literal(args.get(1));
                if (name != null && CelFlowLibrary.tcpFlagMask(name) < 0) {
                    return "unknown TCP flag '" + name + "'; expected one of " + CelFlowLibrary.TCP_FLAG_NAMES;
                }
            }
            case CelFlowLibrary.HAS_FIELD -> {
                String name = literal(args.get(0));
                if (name == null) {
                    return "has_field takes a field name literal, e.g. has_field(\"dstport\")";
                }
                if (CelFlowLibrary.fieldByAnyName(name) == null) {
                    return "has_field: unknown field '" + name + "'" + suggestion(name);
                }
            }
            default -> {
            }
        }
        return null;
    }

    private static String literal(CelExpr e) {
        return e.getKind() == CelExpr.ExprKind.Kind.CONSTANT && e.constant().getKind() == CelConstant.Kind.STRING_VALUE
                ? e.constant().stringValue() : null;
    }

    /** 1-based line and column of an expression node, as CEL prints them. */
    private static int[] position(CelSource source, CelExpr e) {
        Integer offset = source.getPositionsMap().get(e.id());
        if (offset == null) {
            return new int[] {1, 1};
        }
        return source.getOffsetLocation(offset)
                .map(l -> new int[] {l.getLine(), l.getColumn() + 1})
                .orElse(new int[] {1, offset + 1});
    }

    private static CelConditionException fromIssues(CelSource source, List<CelIssue> issues) {
        List<String> parts = new ArrayList<>(issues.size());
        for (CelIssue issue : issues) {
            CelSourceLocation l = issue.getSourceLocation();
            // CEL's containers are not used here, so its "(in container '')" is noise.
            String message = issue.getMessage().replace(" (in container '')", "");
            String undeclared = undeclaredName(message);
            if (undeclared != null) {
                message += suggestion(undeclared);
            }
            parts.add("ERROR: <input>:" + l.getLine() + ":" + (l.getColumn() + 1) + ": " + message);
        }
        CelSourceLocation first = issues.isEmpty() ? CelSourceLocation.of(1, 0) : issues.get(0).getSourceLocation();
        return new CelConditionException(PREFIX + String.join("; ", parts), first.getLine(), first.getColumn() + 1);
    }

    private static String undeclaredName(String message) {
        String marker = "undeclared reference to '";
        int i = message.indexOf(marker);
        int end = i < 0 ? -1 : message.indexOf('\'', i + marker.length());
        return end < 0 ? null : message.substring(i + marker.length(), end);
    }

    /** " (did you mean 'dstport'?)" when the name is a field spelt with other separators or case. */
    private static String suggestion(String name) {
        String wanted = name.replace("_", "").replace("-", "").toLowerCase(java.util.Locale.ROOT);
        for (FlowField f : FlowField.values()) {
            if (f.columnName().replace("_", "").equals(wanted)) {
                return " (did you mean '" + f.columnName() + "'?)";
            }
        }
        return "";
    }

    /** Whether the record matches; evaluation errors count and do not match. */
    @Override
    public boolean test(FlowRecord record) {
        FlowFormat f = record.format();
        if (nativeCondition != null) {
            if (f != cachedFormat) {
                nativeCondition.bind(f);
                cachedFormat = f;
            }
            return nativeCondition.eval(record) == NativeCondition.TRUE;
        }
        if (f != cachedFormat) {
            int[] cols = new int[referenced.length];
            for (int i = 0; i < cols.length; i++) {
                cols[i] = f.indexOf(referenced[i]);
            }
            referencedColumns = cols;
            cachedFormat = f;
        }
        boolean allPresent = true;
        for (int col : referencedColumns) {
            if (col < 0 || !record.isPresent(col)) {
                allPresent = false;
                break;
            }
        }
        variables.set(record);
        try {
            CelRuntime.Program p = allPresent ? presentProgram : absentProgram;
            Object result = lateBindings == null ? p.eval(variables) : p.eval(variables, lateBindings);
            // An unknown result (it needed an absent field) is not a Boolean: no match.
            return result instanceof Boolean b && b;
        } catch (CelEvaluationException | RuntimeException e) {
            errors++;
            lastError = e.getMessage();
            if (errorCounter != null) {
                errorCounter.inc();
            }
            return false;
        } finally {
            variables.set(null);
        }
    }

    /** Whether {@link #test} runs the compiled Java fast path rather than CEL's interpreter. */
    boolean compiledNatively() {
        return nativeCondition != null;
    }

    /** The expression as written. */
    public String expression() {
        return expression;
    }

    /** Evaluation errors so far (records that did not match because the expression failed on them). */
    public long errorCount() {
        return errors;
    }

    /** The message of the latest evaluation error, for rate-limited logging; null when there was none. */
    public String lastError() {
        return lastError;
    }

    @Override
    public String toString() {
        return "where " + expression;
    }
}
