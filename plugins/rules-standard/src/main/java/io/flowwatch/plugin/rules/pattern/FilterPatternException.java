package io.flowwatch.plugin.rules.pattern;

/**
 * A filter pattern that does not parse. {@link #getMessage()} reads
 * {@code "<what was expected> at position <n>"}; {@link #position()} is that 0-based offset into
 * the pattern text, so a config reader can point at the exact character.
 */
public final class FilterPatternException extends IllegalArgumentException {

    private final int position;
    private final String detail;

    FilterPatternException(String detail, int position) {
        super(detail + " at position " + position);
        this.position = position;
        this.detail = detail;
    }

    /** 0-based offset into the pattern text where the problem was found (may equal its length). */
    public int position() {
        return position;
    }

    /** The message without the position, e.g. {@code expected ']'}. */
    public String detail() {
        return detail;
    }
}
