package io.flowwatch.plugin.rules.cel;

/**
 * An IPv4 or IPv6 network ({@code 10.0.0.0/8}, {@code 2001:db8::/32}) and the allocation-free
 * address parsing that tests membership. Immutable and thread-safe.
 *
 * <p>Addresses are kept as two longs (IPv4 in the low 32 bits of {@code lo}); families never
 * mix: an IPv4 address is not in an IPv6 network, IPv4-mapped IPv6 addresses included
 * ({@code ::ffff:10.0.0.1} is only in IPv6 networks such as {@code ::ffff:0:0/96}).
 */
final class IpPrefix {

    private final boolean v6;
    private final long hi;
    private final long lo;
    private final int bits;
    private final long maskHi;
    private final long maskLo;

    private IpPrefix(boolean v6, long hi, long lo, int bits) {
        this.v6 = v6;
        this.bits = bits;
        if (v6) {
            maskHi = bits == 0 ? 0 : bits >= 64 ? -1L : -1L << (64 - bits);
            maskLo = bits <= 64 ? 0 : bits == 128 ? -1L : -1L << (128 - bits);
        } else {
            maskHi = 0;
            maskLo = bits == 0 ? 0 : (0xFFFF_FFFFL << (32 - bits)) & 0xFFFF_FFFFL;
        }
        this.hi = hi & maskHi;
        this.lo = lo & maskLo;
    }

    /**
     * Parses {@code address/bits}; a bare address is a host network (/32 or /128). Host bits
     * below the prefix are allowed and ignored ({@code 10.1.2.3/8} is {@code 10.0.0.0/8}), as
     * in most firewall and AWS security-group tooling.
     *
     * @throws IllegalArgumentException saying what is wrong with the text
     */
    static IpPrefix parse(String cidr) {
        int slash = cidr.indexOf('/');
        String addr = slash < 0 ? cidr : cidr.substring(0, slash);
        long[] a = new long[2];
        boolean v6 = addr.indexOf(':') >= 0;
        if (v6 ? !parseV6(addr, a) : !parseV4(addr, a)) {
            throw new IllegalArgumentException("invalid CIDR '" + cidr + "': '" + addr + "' is not an IP"
                    + (v6 ? "v6" : "v4") + " address");
        }
        int max = v6 ? 128 : 32;
        int bits = max;
        if (slash >= 0) {
            String b = cidr.substring(slash + 1);
            bits = b.isEmpty() || b.length() > 3 ? -1 : 0;
            for (int i = 0; i < b.length() && bits >= 0; i++) {
                char c = b.charAt(i);
                bits = c >= '0' && c <= '9' ? bits * 10 + (c - '0') : -1;
            }
            if (bits < 0 || bits > max) {
                throw new IllegalArgumentException("invalid CIDR '" + cidr + "': prefix length must be 0 to " + max);
            }
        }
        return new IpPrefix(v6, a[0], a[1], bits);
    }

    /** Whether {@code address} (IPv4 or IPv6 text) lies in this network; false for text that is not an address. */
    boolean contains(String address) {
        if (v6) {
            if (address.indexOf(':') < 0) {
                return false;
            }
            long[] a = new long[2]; // does not escape: the JIT scalar-replaces it
            return parseV6(address, a) && (a[0] & maskHi) == hi && (a[1] & maskLo) == lo;
        }
        long v = parseV4(address);
        return v >= 0 && (v & maskLo) == lo;
    }

    /** Whether an IPv4 address already parsed by {@link #parseV4(String)} lies in this network. */
    boolean containsV4(long address) {
        return !v6 && address >= 0 && (address & maskLo) == lo;
    }

    /** Whether the address is IPv4 or IPv6 text. */
    static boolean isAddress(String address) {
        return address.indexOf(':') >= 0 ? parseV6(address, new long[2]) : parseV4(address) >= 0;
    }

    int bits() {
        return bits;
    }

    boolean isV6() {
        return v6;
    }

    private static boolean parseV4(String s, long[] out) {
        long v = parseV4(s);
        out[0] = 0;
        out[1] = v;
        return v >= 0;
    }

    /** Dotted-quad IPv4 as an unsigned 32-bit value, or -1; no leading zeros beyond a lone 0 (they read as octal elsewhere). */
    static long parseV4(String s) {
        return parseV4(s, 0, s.length());
    }

    private static long parseV4(String s, int from, int to) {
        long v = 0;
        int parts = 0;
        int i = from;
        while (parts < 4) {
            int start = i;
            int octet = 0;
            while (i < to && i - start < 3) {
                char c = s.charAt(i);
                if (c < '0' || c > '9') {
                    break;
                }
                octet = octet * 10 + (c - '0');
                i++;
            }
            int len = i - start;
            if (len == 0 || octet > 255 || (len > 1 && s.charAt(start) == '0')) {
                return -1;
            }
            v = (v << 8) | octet;
            parts++;
            if (parts < 4) {
                if (i >= to || s.charAt(i) != '.') {
                    return -1;
                }
                i++;
            }
        }
        return i == to ? v : -1;
    }

    /** RFC 4291 text (with {@code ::} and a trailing dotted quad) into out[0] (high 64 bits) and out[1]. */
    static boolean parseV6(String s, long[] out) {
        int n = s.length();
        if (n < 2 || n > 45) {
            return false;
        }
        // Groups are collected in order with the position of "::"; the gap is zero-filled at the end.
        boolean gap = false;
        int i = 0;
        if (s.charAt(0) == ':') {
            if (s.charAt(1) != ':') {
                return false;
            }
            gap = true;
            i = 2;
            if (i == n) {
                out[0] = 0;
                out[1] = 0;
                return true;
            }
        }
        long[] words = new long[8]; // does not escape
        int count = 0;
        int gapAt = gap ? 0 : -1;
        while (i < n) {
            int start = i;
            int g = 0;
            while (i < n && i - start < 5) {
                int d = Character.digit(s.charAt(i), 16);
                if (d < 0) {
                    break;
                }
                g = (g << 4) | d;
                i++;
            }
            if (i < n && s.charAt(i) == '.') {
                // Embedded IPv4 takes the last two groups.
                long v4 = parseV4(s, start, n);
                if (v4 < 0 || count > 6) {
                    return false;
                }
                words[count++] = v4 >>> 16;
                words[count++] = v4 & 0xFFFF;
                i = n;
                break;
            }
            int len = i - start;
            if (len == 0 || len > 4 || count == 8) {
                return false;
            }
            words[count++] = g;
            if (i == n) {
                break;
            }
            if (s.charAt(i) != ':') {
                return false;
            }
            i++;
            if (i < n && s.charAt(i) == ':') {
                if (gapAt >= 0) {
                    return false;
                }
                gapAt = count;
                i++;
            } else if (i == n) {
                return false;
            }
        }
        if (gapAt < 0 ? count != 8 : count > 7) {
            return false;
        }
        long[] full = new long[8];
        if (gapAt < 0) {
            System.arraycopy(words, 0, full, 0, 8);
        } else {
            System.arraycopy(words, 0, full, 0, gapAt);
            int tail = count - gapAt;
            System.arraycopy(words, gapAt, full, 8 - tail, tail);
        }
        out[0] = (full[0] << 48) | (full[1] << 32) | (full[2] << 16) | full[3];
        out[1] = (full[4] << 48) | (full[5] << 32) | (full[6] << 16) | full[7];
        return true;
    }

    @Override
    public String toString() {
        return (v6 ? "v6 " : "v4 ") + Long.toHexString(hi) + ":" + Long.toHexString(lo) + "/" + bits;
    }
}
