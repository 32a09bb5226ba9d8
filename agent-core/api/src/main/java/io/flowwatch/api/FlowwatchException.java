package io.flowwatch.api;

import java.util.List;

/**
 * The one exception type of the SPI. Carries every configuration problem found at once (so a
 * user fixes a file in one pass) and, for failed I/O, whether trying again may help.
 */
public class FlowwatchException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** One problem, located: {@code origin} is {@code file:line} (or a description), {@code key} the config path. */
    public record Problem(String origin, String key, String message) {
        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            if (origin != null && !origin.isEmpty()) {
                sb.append(origin).append(": ");
            }
            if (key != null && !key.isEmpty()) {
                sb.append(key).append(": ");
            }
            return sb.append(message).toString();
        }
    }

    private final transient List<Problem> problems;

    public FlowwatchException(String message) {
        this(message, (Throwable) null);
    }

    public FlowwatchException(String message, Throwable cause) {
        super(message, cause);
        this.problems = List.of();
    }

    public FlowwatchException(List<Problem> problems) {
        super(describe(problems));
        this.problems = List.copyOf(problems);
    }

    /** The located problems; empty for an exception that is not about configuration. */
    public List<Problem> problems() {
        return problems;
    }

    private static String describe(List<Problem> problems) {
        StringBuilder sb = new StringBuilder();
        for (Problem p : problems) {
            if (sb.length() > 0) {
                sb.append('\n');
            }
            sb.append(p);
        }
        return sb.toString();
    }
}
