package io.flowwatch.plugin.simulator;

/**
 * IPv4 addresses as {@code int}s (network order in the bits: {@code 10.0.0.1} is
 * {@code 0x0A000001}), which keeps the generator free of address objects.
 */
final class Ipv4 {

    private Ipv4() {
    }

    /** Parses dotted-quad text strictly: four decimal octets 0-255, no leading zeros. */
    static int parse(String s) {
        if (s == null) {
            throw new IllegalArgumentException("no address");
        }
        int value = 0;
        int octets = 0;
        int i = 0;
        int n = s.length();
        while (octets < 4) {
            int startOfOctet = i;
            int octet = 0;
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9' && i - startOfOctet < 3) {
                octet = octet * 10 + (s.charAt(i) - '0');
                i++;
            }
            int digits = i - startOfOctet;
            if (digits == 0 || octet > 255 || (digits > 1 && s.charAt(startOfOctet) == '0')) {
                throw new IllegalArgumentException("'" + s + "' is not an IPv4 address");
            }
            value = (value << 8) | octet;
            octets++;
            if (octets < 4) {
                if (i >= n || s.charAt(i) != '.') {
                    throw new IllegalArgumentException("'" + s + "' is not an IPv4 address");
                }
                i++;
            }
        }
        if (i != n) {
            throw new IllegalArgumentException("'" + s + "' is not an IPv4 address");
        }
        return value;
    }

    /** Parses and re-renders, so config values are kept in one spelling. */
    static String canonical(String s) {
        return toString(parse(s));
    }

    static String toString(int a) {
        return (a >>> 24) + "." + ((a >>> 16) & 0xFF) + "." + ((a >>> 8) & 0xFF) + "." + (a & 0xFF);
    }

    /**
     * Whether an address is routable on the internet: not private (RFC 1918), shared (RFC 6598),
     * loopback, link-local, multicast, reserved, "this network", or one of the three
     * documentation ranges (kept free for the scenarios' default addresses).
     */
    static boolean isPublic(int a) {
        int first = a >>> 24;
        int second = (a >>> 16) & 0xFF;
        int top24 = a >>> 8;
        return first != 0 && first != 10 && first != 127 && first < 224
                && !(first == 100 && second >= 64 && second < 128)
                && !(first == 169 && second == 254)
                && !(first == 172 && second >= 16 && second < 32)
                && !(first == 192 && second == 168)
                && top24 != 0xC00002 // 192.0.2.0/24
                && top24 != 0xC63364 // 198.51.100.0/24
                && top24 != 0xCB0071; // 203.0.113.0/24
    }
}
