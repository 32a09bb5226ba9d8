package io.flowwatch.plugin.rules.cel;

import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.types.CelType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerBuilder;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelFunctionBinding;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import io.flowwatch.api.record.FlowField;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The CEL environment of {@code where} expressions: one variable per {@link FlowField} and the
 * flowwatch helper functions, compiled by one shared compiler and run by two shared runtimes.
 *
 * <p>These are process-wide constants rather than injected services on purpose: they are
 * immutable, thread-safe and expensive to build (hundreds of standard overloads), and hold no
 * state but a bounded memo of parsed CIDRs.
 */
final class CelFlowLibrary {

    static final String IN_CIDR = "in_cidr";
    static final String IS_PRIVATE = "is_private";
    static final String TCP_FLAG = "tcp_flag";
    static final String HAS_FIELD = "has_field";
    static final String HAS_FIELD_OVERLOAD = "has_field_string";

    /** CEL variable name ({@code log_status}) to field; also AWS names, for {@code has_field}. */
    private static final Map<String, FlowField> BY_VARIABLE;
    private static final Map<String, FlowField> BY_ANY_NAME;

    static {
        Map<String, FlowField> byVar = new HashMap<>();
        Map<String, FlowField> byAny = new HashMap<>();
        for (FlowField f : FlowField.values()) {
            byVar.put(f.columnName(), f);
            byAny.put(f.columnName(), f);
            byAny.put(f.awsName(), f);
        }
        BY_VARIABLE = Map.copyOf(byVar);
        BY_ANY_NAME = Map.copyOf(byAny);
    }

    // Constant CIDRs are put here when an expression compiles, so records never parse them; the
    // bound only matters for CIDRs computed per record, which are then parsed per call.
    private static final int MAX_CACHED_PREFIXES = 4096;
    private static final ConcurrentHashMap<String, IpPrefix> PREFIXES = new ConcurrentHashMap<>();

    static final CelCompiler COMPILER = buildCompiler();

    /**
     * CEL's runtimes, built on first use: expressions that {@link NativeCondition} runs (every
     * shipped rule's) never need them, and building them loads some 500 classes, a third of a
     * second of every start.
     */
    static final class Runtimes {
        /**
         * The planner runtime, used when every field the expression reads is present: the faster of
         * the two, but an absent variable is an evaluation error (an exception per record).
         */
        static final CelRuntime PRESENT = CelRuntimeFactory.plannerRuntimeBuilder()
                .addFunctionBindings(bindings())
                .addLateBoundFunctions(HAS_FIELD)
                .build();

        /**
         * The legacy runtime, used when some field the expression reads is absent: it treats an
         * unresolved variable as CEL "unknown", which {@code &&}/{@code ||} absorb when the other side
         * decides, and which otherwise yields an unknown result (no match) without an exception.
         */
        static final CelRuntime ABSENT = CelRuntimeFactory.legacyCelRuntimeBuilder()
                .addFunctionBindings(bindings())
                .build();

        private Runtimes() {
        }
    }

    private CelFlowLibrary() {
    }

    /** The field a CEL variable names, or null. */
    static FlowField variable(String name) {
        return BY_VARIABLE.get(name);
    }

    /** The field named in {@code has_field(...)}: CEL ({@code log_status}) or AWS ({@code log-status}) spelling. */
    static FlowField fieldByAnyName(String name) {
        return BY_ANY_NAME.get(name);
    }

    private static CelCompiler buildCompiler() {
        CelCompilerBuilder b = CelCompilerFactory.standardCelCompilerBuilder();
        for (FlowField f : FlowField.values()) {
            b.addVar(f.columnName(), f.type().numeric() ? SimpleType.INT : SimpleType.STRING);
        }
        b.addFunctionDeclarations(
                function(IN_CIDR, "in_cidr_string_string", SimpleType.STRING, SimpleType.STRING),
                function(IS_PRIVATE, "is_private_string", SimpleType.STRING),
                function(TCP_FLAG, "tcp_flag_int_string", SimpleType.INT, SimpleType.STRING),
                function(HAS_FIELD, HAS_FIELD_OVERLOAD, SimpleType.STRING));
        return b.setResultType(SimpleType.BOOL).build();
    }

    private static CelFunctionDecl function(String name, String overloadId, CelType... args) {
        return CelFunctionDecl.newFunctionDeclaration(name,
                CelOverloadDecl.newGlobalOverload(overloadId, SimpleType.BOOL, args));
    }

    private static CelFunctionBinding[] bindings() {
        return new CelFunctionBinding[] {
            CelFunctionBinding.from("in_cidr_string_string", String.class, String.class,
                    (addr, cidr) -> prefix(cidr).contains(addr)),
            CelFunctionBinding.from("is_private_string", String.class, CelFlowLibrary::isPrivate),
            CelFunctionBinding.from("tcp_flag_int_string", Long.class, String.class, (flags, name) -> {
                int mask = tcpFlagMask(name);
                if (mask < 0) {
                    throw new CelEvaluationException("tcp_flag: unknown flag '" + name + "'; expected one of " + TCP_FLAG_NAMES);
                }
                return (flags & mask) == mask;
            }),
        };
    }

    /** The parsed network, from the memo; a malformed CIDR computed at run time is an evaluation error. */
    static IpPrefix prefix(String cidr) throws CelEvaluationException {
        IpPrefix p = PREFIXES.get(cidr);
        if (p == null) {
            try {
                p = IpPrefix.parse(cidr);
            } catch (IllegalArgumentException e) {
                throw new CelEvaluationException("in_cidr: " + e.getMessage());
            }
            if (PREFIXES.size() < MAX_CACHED_PREFIXES) {
                PREFIXES.putIfAbsent(cidr, p);
            }
        }
        return p;
    }

    /** Parses a constant CIDR at compile time and memoises it; throws IllegalArgumentException when malformed. */
    static void precompile(String cidr) {
        IpPrefix p = IpPrefix.parse(cidr);
        if (PREFIXES.size() < MAX_CACHED_PREFIXES) {
            PREFIXES.putIfAbsent(cidr, p);
        }
    }

    private static final IpPrefix[] PRIVATE_V4 = {
        IpPrefix.parse("10.0.0.0/8"), IpPrefix.parse("172.16.0.0/12"), IpPrefix.parse("192.168.0.0/16"),
    };
    private static final IpPrefix PRIVATE_V6 = IpPrefix.parse("fc00::/7");

    /** RFC 1918 or IPv6 unique-local (RFC 4193); see {@link CelCondition} for what is not included. */
    static boolean isPrivate(String addr) {
        if (addr.indexOf(':') >= 0) {
            return PRIVATE_V6.contains(addr);
        }
        // Parsed once for the three networks, not once per network.
        long v4 = IpPrefix.parseV4(addr);
        return v4 >= 0 && isPrivateV4(v4);
    }

    /** {@link #isPrivate} for an IPv4 address already parsed to its 32-bit value. */
    static boolean isPrivateV4(long v4) {
        for (IpPrefix p : PRIVATE_V4) {
            if (p.containsV4(v4)) {
                return true;
            }
        }
        return false;
    }

    static final String TCP_FLAG_NAMES = "FIN, SYN, RST, PSH, ACK, URG, SYN-ACK";

    /**
     * Bits of the tcp-flags field (TCP header order, RFC 9293), or -1 for an unknown name; names
     * are case-insensitive. AWS records only FIN, SYN, RST and SYN-ACK (SYN 2 + ACK 16 together,
     * 18); the other bits are accepted so rules stay valid if AWS widens the set.
     */
    static int tcpFlagMask(String name) {
        int mask = exactTcpFlagMask(name);
        // Upper-case spellings, the common case, match without allocating.
        return mask >= 0 ? mask : exactTcpFlagMask(name.toUpperCase(Locale.ROOT));
    }

    private static int exactTcpFlagMask(String name) {
        return switch (name) {
            case "FIN" -> 1;
            case "SYN" -> 2;
            case "RST" -> 4;
            case "PSH" -> 8;
            case "ACK" -> 16;
            case "URG" -> 32;
            case "SYN-ACK", "SYN_ACK" -> 18;
            default -> -1;
        };
    }
}
