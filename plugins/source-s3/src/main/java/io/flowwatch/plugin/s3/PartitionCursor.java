package io.flowwatch.plugin.s3;

import java.util.Map;
import java.util.TreeMap;

/**
 * How far one partition (account/region) has been read, as stored in its
 * {@link io.flowwatch.api.source.Position}. Keys are relative to the partition's prefix.
 *
 * <ul>
 *   <li>{@code after}: the greatest key fully handed over; the next listing starts near it
 *       ({@code StartAfter}), so a large bucket is never listed again from the start.</li>
 *   <li>{@code listedAt}: the S3 server time (epoch seconds, from the {@code Date} header) of the
 *       listing that every object at or before {@code after} was handed over from.</li>
 *   <li>{@code recent}: keys handed over whose {@code LastModified} is within {@code late-margin}
 *       of {@code listedAt} or later, with that time.</li>
 * </ul>
 *
 * <p><b>Late objects.</b> Each poll lists the last {@code late-days + 1} days again from their
 * start. A listed key after {@code after} is new. A key at or before it was either in an earlier
 * listing, and then handed over, or it was uploaded after that listing: AWS wrote it late into an
 * earlier day or hour, or it belongs to another flow log whose keys sort first. An object older
 * than {@code listedAt - late-margin} was visible to that listing (an upload becomes listable
 * within the margin of its LastModified), so it was handed over; a newer one was handed over
 * exactly when it is in {@code recent}. So {@code recent} only has to hold the objects written in
 * about the last margin plus poll interval: a handful per partition, which keeps the position short.
 * Objects delivered later than {@code late-days} after the newest day read are not seen.
 *
 * <p>Encoding: {@code 1|listedAt|after|key@lastModified|...}, {@code -} for "none", with
 * {@code %}, {@code |}, {@code @} and control characters in keys percent-encoded.
 */
final class PartitionCursor {

    static final long NONE = Long.MIN_VALUE;
    private static final String VERSION = "1";

    String after;
    long listedAt = NONE;
    final TreeMap<String, Long> recent = new TreeMap<>();

    /** True when {@code rel} was handed over already, per the rule above. */
    boolean seen(String rel, long lastModified, long marginSeconds) {
        if (after == null || rel.compareTo(after) > 0) {
            return false;
        }
        if (listedAt != NONE && lastModified < listedAt - marginSeconds) {
            return true;
        }
        return recent.containsKey(rel);
    }

    /** Records an object as handed over. */
    void record(String rel, long lastModified, long marginSeconds) {
        if (after == null || rel.compareTo(after) > 0) {
            after = rel;
        }
        if (listedAt == NONE || lastModified >= listedAt - marginSeconds) {
            recent.put(rel, lastModified);
        }
    }

    /**
     * A listing at server time {@code serverTime} has been handed over in full: objects older than
     * its margin, and those before {@code windowStart}, need no remembering. Returns true when
     * anything was dropped.
     */
    boolean listed(long serverTime, long marginSeconds, String windowStart) {
        listedAt = serverTime;
        int before = recent.size();
        recent.values().removeIf(m -> m < serverTime - marginSeconds);
        recent.headMap(windowStart).clear();
        return recent.size() != before;
    }

    String encode() {
        StringBuilder sb = new StringBuilder(VERSION).append('|')
                .append(listedAt == NONE ? "-" : Long.toString(listedAt)).append('|')
                .append(after == null ? "-" : escape(after));
        for (Map.Entry<String, Long> e : recent.entrySet()) {
            sb.append('|').append(escape(e.getKey())).append('@').append(e.getValue());
        }
        return sb.toString();
    }

    /** Parses {@link #encode()}'s output; throws {@link IllegalArgumentException} for anything else. */
    static PartitionCursor parse(String s) {
        String[] parts = s.split("\\|", -1);
        if (parts.length < 3 || !VERSION.equals(parts[0])) {
            throw new IllegalArgumentException("expected 1|<listed at>|<last key>|..., got '" + s + "'");
        }
        PartitionCursor c = new PartitionCursor();
        try {
            c.listedAt = parts[1].equals("-") ? NONE : Long.parseLong(parts[1]);
            c.after = parts[2].equals("-") ? null : unescape(parts[2]);
            for (int i = 3; i < parts.length; i++) {
                int at = parts[i].lastIndexOf('@');
                if (at < 1) {
                    throw new IllegalArgumentException("expected <key>@<time>, got '" + parts[i] + "'");
                }
                c.recent.put(unescape(parts[i].substring(0, at)), Long.parseLong(parts[i].substring(at + 1)));
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad number in '" + s + "'", e);
        }
        return c;
    }

    private static String escape(String key) {
        StringBuilder sb = null;
        for (int i = 0; i < key.length(); i++) {
            char ch = key.charAt(i);
            boolean special = ch == '%' || ch == '|' || ch == '@' || ch < 0x20 || ch == '-' && key.length() == 1;
            if (special && sb == null) {
                sb = new StringBuilder(key.length() + 8).append(key, 0, i);
            }
            if (sb != null) {
                if (special) {
                    sb.append('%').append(String.format("%02X", (int) ch));
                } else {
                    sb.append(ch);
                }
            }
        }
        return sb == null ? key : sb.toString();
    }

    private static String unescape(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '%') {
                if (i + 2 >= s.length()) {
                    throw new IllegalArgumentException("bad escape in '" + s + "'");
                }
                sb.append((char) Integer.parseInt(s, i + 1, i + 3, 16));
                i += 2;
            } else {
                sb.append(ch);
            }
        }
        return sb.toString();
    }
}
