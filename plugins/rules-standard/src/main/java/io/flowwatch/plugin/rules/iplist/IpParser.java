package io.flowwatch.plugin.rules.iplist;

/**
 * Parses IPv4 dotted quads and IPv6 text into numbers without allocating, so the per-record
 * lookup costs no garbage. One instance per user: IPv6 results land in {@link #hi()} / {@link #lo()}
 * and a scratch array is reused. Not thread-safe.
 */
public final class IpParser {

    private final int[] groups = new int[8];
    private long hi;
    private long lo;

    /** High 64 bits of the last IPv6 address {@link #parseV6} accepted. */
    public long hi() {
        return hi;
    }

    /** Low 64 bits of the last IPv6 address {@link #parseV6} accepted. */
    public long lo() {
        return lo;
    }

    /**
     * The IPv4 address in {@code s[from, to)} as an unsigned 32-bit value, or -1 when it is not a
     * dotted quad (four decimal parts 0-255).
     */
    public static long parseV4(CharSequence s, int from, int to) {
        long result = 0;
        int part = 0;
        int digits = 0;
        int dots = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9') {
                part = part * 10 + (c - '0');
                if (++digits > 3 || part > 255) {
                    return -1;
                }
            } else if (c == '.') {
                if (digits == 0 || ++dots > 3) {
                    return -1;
                }
                result = result << 8 | part;
                part = 0;
                digits = 0;
            } else {
                return -1;
            }
        }
        if (digits == 0 || dots != 3) {
            return -1;
        }
        return result << 8 | part;
    }

    /**
     * Parses the IPv6 address in {@code s[from, to)} (RFC 4291 text: hex groups, one {@code ::},
     * an optional dotted-quad tail; no zone id). On success the value is in {@link #hi()} and
     * {@link #lo()}.
     */
    public boolean parseV6(CharSequence s, int from, int to) {
        int n = 0;
        int gap = -1;
        int i = from;
        if (to - from >= 2 && s.charAt(i) == ':' && s.charAt(i + 1) == ':') {
            gap = 0;
            i += 2;
        } else if (i < to && s.charAt(i) == ':') {
            return false;
        }
        while (i < to) {
            int start = i;
            int v = 0;
            int digits = 0;
            int h;
            while (i < to && digits < 5 && (h = hex(s.charAt(i))) >= 0) {
                v = v << 4 | h;
                digits++;
                i++;
            }
            if (i < to && s.charAt(i) == '.') {
                // Dotted-quad tail (::ffff:192.0.2.1): it fills the last two groups and must end the text.
                if (n > 6) {
                    return false;
                }
                long v4 = parseV4(s, start, to);
                if (v4 < 0) {
                    return false;
                }
                groups[n++] = (int) (v4 >>> 16);
                groups[n++] = (int) (v4 & 0xffff);
                i = to;
                break;
            }
            if (digits == 0 || digits > 4 || n == 8) {
                return false;
            }
            groups[n++] = v;
            if (i == to) {
                break;
            }
            if (s.charAt(i) != ':') {
                return false;
            }
            i++;
            if (i < to && s.charAt(i) == ':') {
                if (gap >= 0) {
                    return false;
                }
                gap = n;
                i++;
            } else if (i == to) {
                return false; // a single trailing colon
            }
        }
        if (gap < 0 ? n != 8 : n > 7) {
            return false;
        }
        long h64 = 0;
        long l64 = 0;
        int zeros = 8 - n;
        for (int k = 0; k < 8; k++) {
            int g;
            if (gap < 0 || k < gap) {
                g = groups[k];
            } else if (k < gap + zeros) {
                g = 0;
            } else {
                g = groups[k - zeros];
            }
            if (k < 4) {
                h64 = h64 << 16 | g;
            } else {
                l64 = l64 << 16 | g;
            }
        }
        hi = h64;
        lo = l64;
        return true;
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    /** Whether the IPv6 value is an IPv4-mapped address ({@code ::ffff:a.b.c.d}). */
    public static boolean isV4Mapped(long hi, long lo) {
        return hi == 0 && (lo >>> 32) == 0xffffL;
    }
}
