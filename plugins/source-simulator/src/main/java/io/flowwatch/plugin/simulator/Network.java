package io.flowwatch.plugin.simulator;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The simulated AWS side and its internet: interfaces with their ids, addresses, subnets and
 * roles, and the internet peers with their Zipf popularity. Built once per source from the seed
 * (so it is the same after every restart) and read-only afterwards.
 *
 * <p>Everything the writer prints is pre-rendered here as ASCII bytes, so turning a record into
 * text copies arrays instead of formatting strings.
 */
final class Network {

    static final int WEB = 0;
    static final int DB = 1;
    static final int CACHE = 2;
    static final int BASTION = 3;
    static final int WORKER = 4;
    static final String[] ROLE_NAMES = {"web", "db", "cache", "bastion", "worker"};

    /** Zipf exponent of peer popularity: with 3000 peers the top 10 carry about 40% of peer traffic. */
    static final double ZIPF_EXPONENT = 1.1;
    /** Share of internet peers that are IPv6. */
    static final double IPV6_PEER_SHARE = 0.06;

    /**
     * The subnets: the main VPC 10.0.0.0/16 (three public /20s for web and bastion hosts, three
     * private /18s for the rest, one per availability zone) and a peered VPC 172.31.0.0/16 with
     * three /20s. Sized so that MAX_INTERFACES always fit.
     */
    private static final int[] SUBNET_BASE = {
            0x0A000000, 0x0A001000, 0x0A002000, // 10.0.0.0/20, 10.0.16.0/20, 10.0.32.0/20
            0x0A004000, 0x0A008000, 0x0A00C000, // 10.0.64.0/18, 10.0.128.0/18, 10.0.192.0/18
            0xAC1F0000, 0xAC1F1000, 0xAC1F2000}; // 172.31.0.0/20, 172.31.16.0/20, 172.31.32.0/20
    private static final int[] SUBNET_PREFIX = {20, 20, 20, 18, 18, 18, 20, 20, 20};
    private static final int[] SUBNET_VPC = {0, 0, 0, 0, 0, 0, 1, 1, 1};
    private static final int[] SUBNET_AZ = {0, 1, 2, 0, 1, 2, 0, 1, 2};
    private static final int[] PUBLIC_SUBNETS = {0, 1, 2};
    private static final int[] PRIVATE_SUBNETS = {3, 4, 5};
    private static final int[] PEERED_SUBNETS = {6, 7, 8};

    /** Public resolvers the hosts forward DNS to (queries to the VPC's own resolver are never logged by AWS). */
    private static final String[] RESOLVERS = {"8.8.8.8", "8.8.4.4", "1.1.1.1", "1.0.0.1"};

    final int size;
    final int[] role;
    final int[] vpc;
    final int[] ipv4;
    final byte[][] ipv4Text;
    /** The interface's IPv6 address, or null: web hosts in the main VPC are dual-stack. */
    final byte[][] ipv6Text;
    final byte[][] interfaceId;
    final byte[][] instanceId;
    final byte[][] subnetId;
    final byte[][] vpcId;
    final byte[][] azId;
    /** The port a db host listens on (3306 or 5432), 0 for other roles. */
    final int[] dbPort;
    /** Interface indexes by role. */
    final int[][] byRole;

    final byte[][] peerText;
    final double[] peerCdf;
    final byte[][] peer6Text;
    final double[] peer6Cdf;
    final byte[][] resolverText;
    final byte[][] ntpText;
    /** Offices allowed to SSH to the bastions. */
    final byte[][] adminText;
    private final int[] avoid;

    /**
     * @param avoid public addresses the background traffic must never use (the scenarios' own),
     *              so an attack shows only while its scenario runs
     */
    Network(long seed, int interfaces, int peers, String region, int[] avoid) {
        this.avoid = avoid.clone();
        Rng rng = new Rng(seed, -1);
        size = interfaces;
        role = new int[size];
        vpc = new int[size];
        ipv4 = new int[size];
        ipv4Text = new byte[size][];
        ipv6Text = new byte[size][];
        interfaceId = new byte[size][];
        instanceId = new byte[size][];
        subnetId = new byte[size][];
        vpcId = new byte[size][];
        azId = new byte[size][];
        dbPort = new int[size];

        byte[][] vpcIds = {ascii(awsId("vpc-", rng)), ascii(awsId("vpc-", rng))};
        byte[][] subnetIds = new byte[SUBNET_BASE.length][];
        for (int s = 0; s < subnetIds.length; s++) {
            subnetIds[s] = ascii(awsId("subnet-", rng));
        }
        String azPrefix = azPrefix(region);
        byte[][] azIds = new byte[3][];
        for (int az = 0; az < 3; az++) {
            azIds[az] = ascii(azPrefix + "-az" + (az + 1));
        }
        int[] nextHost = new int[SUBNET_BASE.length];
        Arrays.fill(nextHost, 4); // AWS reserves the first four addresses of every subnet
        List<List<Integer>> roles = new ArrayList<>();
        for (int r = 0; r < ROLE_NAMES.length; r++) {
            roles.add(new ArrayList<>());
        }
        for (int i = 0; i < size; i++) {
            // The first five cover every role, so every scenario finds its victims.
            int r = i < 5 ? new int[]{BASTION, DB, WEB, CACHE, WORKER}[i] : pickRole(rng.nextDouble());
            boolean peered = i >= 5 && rng.chance(0.1);
            int[] candidates = peered ? PEERED_SUBNETS : (r == WEB || r == BASTION) ? PUBLIC_SUBNETS : PRIVATE_SUBNETS;
            int subnet = candidates[rng.nextInt(candidates.length)];
            int host = nextHost[subnet];
            nextHost[subnet] += 1 + rng.nextInt(2);
            if (host >= (1 << (32 - SUBNET_PREFIX[subnet])) - 1) {
                throw new IllegalStateException("subnet " + Ipv4.toString(SUBNET_BASE[subnet]) + " is full");
            }
            role[i] = r;
            vpc[i] = SUBNET_VPC[subnet];
            ipv4[i] = SUBNET_BASE[subnet] + host;
            ipv4Text[i] = ascii(Ipv4.toString(ipv4[i]));
            if (r == WEB && !peered) {
                ipv6Text[i] = ascii("2001:db8:1000:" + Integer.toHexString(subnet + 1) + "::" + Integer.toHexString(host));
            }
            interfaceId[i] = ascii(awsId("eni-", rng));
            instanceId[i] = ascii(awsId("i-", rng));
            subnetId[i] = subnetIds[subnet];
            vpcId[i] = vpcIds[vpc[i]];
            azId[i] = azIds[SUBNET_AZ[subnet]];
            dbPort[i] = r == DB ? (rng.chance(0.5) ? 3306 : 5432) : 0;
            roles.get(r).add(i);
        }
        byRole = new int[ROLE_NAMES.length][];
        for (int r = 0; r < byRole.length; r++) {
            byRole[r] = roles.get(r).stream().mapToInt(Integer::intValue).toArray();
        }

        Set<Integer> used = new HashSet<>();
        for (String s : RESOLVERS) {
            used.add(Ipv4.parse(s));
        }
        int v6 = Math.max(1, (int) Math.round(peers * IPV6_PEER_SHARE));
        peerText = new byte[peers - v6][];
        for (int p = 0; p < peerText.length; p++) {
            peerText[p] = ascii(Ipv4.toString(distinctPublic(rng, used)));
        }
        peerCdf = zipfCdf(peerText.length);
        peer6Text = new byte[v6][];
        Set<String> used6 = new HashSet<>();
        for (int p = 0; p < v6; p++) {
            String a;
            do {
                // 2001:db8:8000::/33, apart from the VPC's 2001:db8:1000::/48; groups kept non-zero so
                // the text is already in canonical (RFC 5952) form.
                a = "2001:db8:" + Integer.toHexString(0x8000 | rng.nextInt(0x8000)) + ":"
                        + Integer.toHexString(1 + rng.nextInt(0xFFFF)) + "::" + Integer.toHexString(1 + rng.nextInt(0xFFFF));
            } while (!used6.add(a));
            peer6Text[p] = ascii(a);
        }
        peer6Cdf = zipfCdf(v6);
        List<byte[]> resolvers = new ArrayList<>();
        for (String s : RESOLVERS) {
            if (!avoided(Ipv4.parse(s))) {
                resolvers.add(ascii(s));
            }
        }
        resolverText = resolvers.isEmpty() ? new byte[][]{ascii(Ipv4.toString(distinctPublic(rng, used)))}
                : resolvers.toArray(new byte[0][]);
        ntpText = new byte[4][];
        for (int k = 0; k < ntpText.length; k++) {
            ntpText[k] = ascii(Ipv4.toString(distinctPublic(rng, used)));
        }
        adminText = new byte[3][];
        for (int k = 0; k < adminText.length; k++) {
            adminText[k] = ascii(Ipv4.toString(distinctPublic(rng, used)));
        }
    }

    /** Whether the security group of interface {@code eni} lets TCP to {@code port} in from anywhere. */
    boolean openToInternet(int eni, int port) {
        return role[eni] == WEB && (port == 443 || port == 80);
    }

    /** A uniformly drawn public IPv4 address that is none of the avoided ones: internet background noise. */
    int randomPublic(Rng rng) {
        while (true) {
            int a = (int) rng.nextLong();
            if (Ipv4.isPublic(a) && !avoided(a)) {
                return a;
            }
        }
    }

    /** Index of a peer drawn by popularity from {@code cdf}. */
    static int zipf(double[] cdf, double u) {
        int i = Arrays.binarySearch(cdf, u);
        i = i >= 0 ? i + 1 : -i - 1;
        return Math.min(i, cdf.length - 1);
    }

    private boolean avoided(int a) {
        for (int x : avoid) {
            if (x == a) {
                return true;
            }
        }
        return false;
    }

    private int distinctPublic(Rng rng, Set<Integer> used) {
        while (true) {
            int a = randomPublic(rng);
            if (used.add(a)) {
                return a;
            }
        }
    }

    private static int pickRole(double u) {
        if (u < 0.30) {
            return WEB;
        }
        if (u < 0.40) {
            return DB;
        }
        if (u < 0.48) {
            return CACHE;
        }
        if (u < 0.50) {
            return BASTION;
        }
        return WORKER;
    }

    /** Cumulative Zipf probabilities of ranks 1..n, normalised so the last is 1. */
    private static double[] zipfCdf(int n) {
        double[] cdf = new double[n];
        double sum = 0;
        for (int k = 0; k < n; k++) {
            sum += 1 / Math.pow(k + 1, ZIPF_EXPONENT);
            cdf[k] = sum;
        }
        for (int k = 0; k < n; k++) {
            cdf[k] /= sum;
        }
        cdf[n - 1] = 1.0;
        return cdf;
    }

    /** AWS resource ids: a prefix and 17 lower-case hex digits, e.g. eni-0a1b2c3d4e5f60718. */
    private static String awsId(String prefix, Rng rng) {
        String hex = Long.toHexString(rng.nextLong() | Long.MIN_VALUE) + Long.toHexString(rng.nextLong() | Long.MIN_VALUE);
        return prefix + "0" + hex.substring(0, 16);
    }

    /**
     * The AZ-id prefix AWS derives from a region name: us-east-1 gives use1, eu-west-1 euw1,
     * ap-southeast-2 apse2, us-gov-west-1 usgw1.
     */
    static String azPrefix(String region) {
        String[] parts = region.split("-");
        StringBuilder sb = new StringBuilder(parts[0]);
        for (int k = 1; k < parts.length - 1; k++) {
            String p = parts[k];
            switch (p) {
                case "northeast" -> sb.append("ne");
                case "northwest" -> sb.append("nw");
                case "southeast" -> sb.append("se");
                case "southwest" -> sb.append("sw");
                default -> sb.append(p.charAt(0));
            }
        }
        return sb.append(parts[parts.length - 1]).toString();
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
