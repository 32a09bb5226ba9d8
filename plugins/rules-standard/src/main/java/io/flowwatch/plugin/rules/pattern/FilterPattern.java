package io.flowwatch.plugin.rules.pattern;

import io.flowwatch.api.record.FlowRecord;
import io.flowwatch.plugin.rules.predicate.RecordCondition;

import java.util.Objects;

/**
 * A CloudWatch Logs filter pattern, so that the pattern of an existing metric filter can be
 * pasted into a rule and select the same flow-log lines. Follows the CloudWatch Logs user guide,
 * "Filter pattern syntax for metric filters, subscription filters, filter log events, and Live
 * Tail", for the two kinds that apply to space-delimited lines:
 *
 * <ul>
 *   <li>bracket patterns, e.g. the VPC tutorial's {@code [version, account, eni, source,
 *       destination, srcport, destport="22", protocol="6", packets, bytes, windowstart,
 *       windowend, action="REJECT", flowlogstatus]}: one entry per field, bare names, conditions
 *       with {@code = != < <= > >=}, {@code *} wildcards, {@code &&}/{@code ||} within a field,
 *       and one {@code ...} for any number of fields;</li>
 *   <li>term patterns on the whole line, e.g. {@code REJECT}, {@code "10.0.1.5 443"},
 *       {@code ERROR -ARGUMENTS}, {@code ?22 ?3389}: case-sensitive, each term a whole word
 *       (a term occurs where no letter, digit or {@code _} adjoins it).</li>
 * </ul>
 *
 * The empty pattern matches everything. JSON ({@code { ... }}) and regular-expression
 * ({@code %...%}) patterns are rejected with a message saying so.
 *
 * <p>Values: {@code =} and {@code !=} compare numerically when the value is a number
 * ({@code destport=22} matches {@code 22}; quotes only delimit, so {@code destport="22"} is the
 * same), with wildcards when it contains {@code *}, else as exact case-sensitive strings. A
 * numeric comparison never matches a field that is not a number (not even {@code !=}), so
 * {@code -} (absent) fails {@code destport!=22}.
 *
 * <p>A record is matched field by field on its columns in format order, each as the text it has
 * in the log ({@code -} when absent), exactly as {@link #matchesLine} matches
 * {@link FlowRecord#toLine()}; numeric columns are compared as numbers without rendering them.
 * (Flow-log values never start with {@code [} or {@code "}, which in raw lines would group
 * fields.) Compiled once; {@link #test} does not allocate. Not thread-safe: like every
 * {@link RecordCondition} it is used on one evaluator thread.
 */
public final class FilterPattern implements RecordCondition {

    private final String text;
    private final CompiledPattern compiled;

    private FilterPattern(String text, CompiledPattern compiled) {
        this.text = text;
        this.compiled = compiled;
    }

    /**
     * Compiles a pattern.
     *
     * @throws FilterPatternException with the 0-based position in the text and a message saying
     *                                what was expected there
     */
    public static FilterPattern compile(String text) {
        Objects.requireNonNull(text, "text");
        return new FilterPattern(text, PatternParser.parse(text));
    }

    @Override
    public boolean test(FlowRecord record) {
        return compiled.test(record);
    }

    /** Applies the pattern to raw log text, split into fields the way CloudWatch Logs splits it. */
    public boolean matchesLine(String line) {
        return compiled.matchesLine(line);
    }

    /**
     * The column a bracket pattern's field name stands for, when no {@code ...} comes before it
     * (a field after {@code ...} has no fixed column); -1 otherwise and for term patterns.
     */
    @Override
    public int columnOf(String name) {
        return compiled.columnOf(name);
    }

    /** The pattern as written. */
    public String text() {
        return text;
    }

    @Override
    public String toString() {
        return text;
    }
}
