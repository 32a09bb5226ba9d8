package io.flowwatch.plugin.rules.iplist;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Reads IP list files: one IPv4/IPv6 address or CIDR block per line; {@code #} starts a comment
 * (whole-line or trailing); blank lines and surrounding whitespace are ignored. A line that is
 * not an address is skipped and reported with its {@code path:line}.
 */
public final class IpListFiles {

    /** At most this many bad lines are kept per read; the rest are only counted. */
    static final int MAX_REPORTED_BAD_LINES = 20;

    private IpListFiles() {
    }

    /** A line that is not an address or CIDR block. */
    public record BadLine(Path file, int line, String text, String reason) {
        /** {@code path:line}, the way every message locates the line. */
        public String location() {
            return file + ":" + line;
        }

        @Override
        public String toString() {
            return location() + ": " + reason + ", got '" + text + "'";
        }
    }

    /**
     * The result of reading all files of a list.
     *
     * @param badLines      the first {@link #MAX_REPORTED_BAD_LINES} bad lines
     * @param badLineCount  all bad lines
     */
    public record Loaded(IpRanges ranges, List<BadLine> badLines, int badLineCount) {
        public Loaded {
            Objects.requireNonNull(ranges, "ranges");
            badLines = List.copyOf(badLines);
        }
    }

    /** When and how big a file was; compared to notice changes without reading it. */
    public record Stamp(long modifiedMillis, long size) {
    }

    /** The file's stamp, or null when it cannot be looked at (missing, no permission). */
    public static Stamp stamp(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return new Stamp(a.lastModifiedTime().toMillis(), a.size());
        } catch (IOException | SecurityException e) {
            return null;
        }
    }

    /**
     * Reads every file into one table. Throws when a file cannot be read (the message names it), so
     * a caller can keep its previous table: a half-read list must never replace a whole one.
     */
    public static Loaded read(List<Path> files) throws IOException {
        IpRanges.Builder b = new IpRanges.Builder();
        IpParser parser = new IpParser();
        List<BadLine> bad = new ArrayList<>();
        int badCount = 0;
        for (Path file : files) {
            // Report undecodable bytes as bad lines rather than failing the whole file.
            var decoder = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
            try (BufferedReader in = new BufferedReader(new java.io.InputStreamReader(Files.newInputStream(file), decoder))) {
                String line;
                int lineNo = 0;
                while ((line = in.readLine()) != null) {
                    lineNo++;
                    String reason = addLine(b, parser, line, file, lineNo);
                    if (reason != null) {
                        if (bad.size() < MAX_REPORTED_BAD_LINES) {
                            bad.add(new BadLine(file, lineNo, line.strip(), reason));
                        }
                        badCount++;
                    }
                }
            } catch (IOException e) {
                throw new IOException("cannot read " + file + ": " + describe(e), e);
            }
        }
        return new Loaded(b.build(), bad, badCount);
    }

    /** Adds one line's entry; returns null when fine (or nothing to add), else why it is bad. */
    static String addLine(IpRanges.Builder b, IpParser parser, String raw, Path file, int lineNo) {
        int hash = raw.indexOf('#');
        String text = (hash >= 0 ? raw.substring(0, hash) : raw).strip();
        if (text.isEmpty()) {
            return null;
        }
        int slash = text.indexOf('/');
        int addrEnd = slash < 0 ? text.length() : slash;
        boolean v6 = text.indexOf(':') >= 0;
        int max = v6 ? 128 : 32;
        int prefix = max;
        if (slash >= 0) {
            prefix = parsePrefix(text, slash + 1, max);
            if (prefix < 0) {
                return "expected a prefix length from 0 to " + max + " after '/'";
            }
        }
        IpRanges.Entry entry = new IpRanges.Entry(text, file, lineNo);
        if (v6) {
            if (!parser.parseV6(text, 0, addrEnd)) {
                return "expected an IPv6 address or CIDR block";
            }
            if (IpParser.isV4Mapped(parser.hi(), parser.lo()) && prefix >= 96) {
                // Lookups treat ::ffff:a.b.c.d as IPv4, so store mapped entries as IPv4 too.
                b.addV4(parser.lo() & 0xffffffffL, prefix - 96, entry);
            } else {
                b.addV6(parser.hi(), parser.lo(), prefix, entry);
            }
        } else {
            long a = IpParser.parseV4(text, 0, addrEnd);
            if (a < 0) {
                return "expected an IPv4/IPv6 address or CIDR block";
            }
            b.addV4(a, prefix, entry);
        }
        return null;
    }

    private static int parsePrefix(String s, int from, int max) {
        if (from >= s.length() || s.length() - from > 3) {
            return -1;
        }
        int v = 0;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v <= max ? v : -1;
    }

    static String describe(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage());
    }
}
