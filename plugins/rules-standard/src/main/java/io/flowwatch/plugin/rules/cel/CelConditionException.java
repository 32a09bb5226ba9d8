package io.flowwatch.plugin.rules.cel;

/**
 * A {@code where} expression that does not parse, does not type-check against the flow-log
 * variables and helpers, or is not of type {@code bool}. The message carries CEL's own wording
 * and the position inside the expression, e.g.
 * {@code expected a bool expression: ERROR: <input>:1:1: undeclared reference to 'dst_port' (did you mean 'dstport'?)};
 * {@link #line()} and {@link #column()} give the first problem's position (1-based).
 */
public final class CelConditionException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final int line;
    private final int column;

    CelConditionException(String message, int line, int column) {
        super(message);
        this.line = line;
        this.column = column;
    }

    /** Line of the first problem inside the expression, 1-based. */
    public int line() {
        return line;
    }

    /** Column of the first problem inside the expression, 1-based (in code points). */
    public int column() {
        return column;
    }
}
