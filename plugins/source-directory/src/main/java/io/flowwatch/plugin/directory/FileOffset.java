package io.flowwatch.plugin.directory;

import java.util.Objects;

/**
 * Where reading one file resumes, as stored in its {@link io.flowwatch.api.source.Position}:
 * {@code <bytes>:<next line>@<file key>}, or {@code done} for a {@code .log.gz} read to its end
 * (compressed files are written once, so {@code done} is final).
 *
 * <p>{@code bytes} counts bytes of the file's text (uncompressed for {@code .gz}) up to the first
 * line not yet handed over; {@code nextLine} is that line's 1-based number, so resumed chunks carry
 * real line numbers without counting again. The file key (an inode on Unix, {@code -} where the file
 * system has none) tells a replaced file from the one the offset was about.
 *
 * @param bytes    bytes already handed over (or skipped: a header line, an overlong line)
 * @param nextLine the number of the line at {@code bytes}
 * @param fileKey  {@link java.nio.file.attribute.BasicFileAttributes#fileKey()} as text, or {@code -}
 */
record FileOffset(long bytes, long nextLine, String fileKey) {

    static final String DONE = "done";
    static final String NO_KEY = "-";

    FileOffset {
        Objects.requireNonNull(fileKey, "fileKey");
        if (bytes < 0 || nextLine < 1 || fileKey.isEmpty()) {
            throw new IllegalArgumentException("invalid file offset");
        }
    }

    String encode() {
        return bytes + ":" + nextLine + "@" + fileKey;
    }

    /** Parses {@link #encode()}'s output; {@code done} is handled by the caller. */
    static FileOffset parse(String s) {
        int colon = s.indexOf(':');
        int at = s.indexOf('@');
        if (colon < 1 || at < colon + 2 || at == s.length() - 1) {
            throw new IllegalArgumentException("expected <bytes>:<line>@<file key> or done, got '" + s + "'");
        }
        try {
            return new FileOffset(Long.parseLong(s, 0, colon, 10), Long.parseLong(s, colon + 1, at, 10),
                    s.substring(at + 1));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("expected <bytes>:<line>@<file key> or done, got '" + s + "'", e);
        }
    }
}
