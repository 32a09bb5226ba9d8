package io.flowwatch.plugin.simulator;

/**
 * Decides what record number {@code i} is. {@link #generate} re-seeds its generator from
 * (seed, i) and looks at nothing but the config and the {@link Network}, so any record can be
 * produced on its own: that is what lets a restart continue exactly after the last committed
 * record, and what keeps two runs with the same seed identical.
 *
 * <p>Record {@code i} happens {@code i / rate} simulated seconds after the start. A scenario
 * under way at that time takes the record when the record's first draw falls into the
 * scenario's slot, a fixed range of width {@code scenario rate / rate}; otherwise the record is
 * background traffic of the mix below, drawn from the draws after the first. So switching a
 * scenario off changes only the records it would have taken.
 *
 * <p>Not thread-safe: one model per source.
 */
final class TrafficModel {

    // Background mix, as shares of background records. Rejects: internet scans (SCAN_NOISE, most
    // of them rejected) plus a few internal ones, about 10% together; NODATA about 0.5%.
    private static final double NODATA = 0.005;
    private static final double SKIPDATA = 0.0002;
    private static final double SCAN_NOISE = 0.092;
    private static final double INTERNAL_REJECT = 0.012;
    private static final double WEB_INBOUND = 0.28;
    private static final double APP = 0.24;
    private static final double EGRESS = 0.19;
    private static final double DNS = 0.09;
    private static final double NTP = 0.025;
    private static final double SSH = 0.02;
    // The rest (about 4.6%): ICMP echo between hosts.

    /** Ports internet scanners try most, with the share of scan records each gets; the rest are random. */
    private static final int[] SCAN_PORTS = {22, 23, 3389, 445, 80, 443, 8080, 1433, 3306, 5900, 6379, 25, 21, 5432, 9200};
    private static final double[] SCAN_PORT_CDF = cdf(20, 10, 10, 8, 5, 3, 5, 3, 3, 3, 2, 2, 2, 2, 2);
    private static final int[] UDP_PROBE_PORTS = {53, 123, 161, 1900, 5060, 11211, 137};
    private static final int[] BLOCKED_INTERNAL_PORTS = {22, 3389, 8080, 9200, 27017};

    /** About a saturated 1 Gbit/s link for one minute. */
    private static final long MAX_PACKETS = 5_000_000;
    private static final double LN_EXFIL_MIN = Math.log(20e6);
    private static final double LN_EXFIL_MAX = Math.log(250e6);

    private final long seed;
    private final double rate;
    private final long startSecond;
    private final Network net;
    private final Rng rng = new Rng();

    private final SimulatorConfig.Window[] windows;
    private final double[] slotStart;
    private final double[] slotEnd;
    private final int[] sshTargets;
    private final byte[] attacker;
    private final int scanTarget;
    private final byte[] scanner;
    private final int scanSourcePort;
    private final int exfilHost;
    private final byte[] exfilDestination;

    TrafficModel(SimulatorConfig config, Network net, long startSecond) {
        this.seed = config.seed();
        this.rate = config.rate();
        this.startSecond = startSecond;
        this.net = net;
        Scenario[] all = Scenario.values();
        windows = new SimulatorConfig.Window[all.length];
        slotStart = new double[all.length];
        slotEnd = new double[all.length];
        double next = 0;
        for (Scenario s : all) {
            int k = s.ordinal();
            windows[k] = s.window(config.scenarios());
            // Slots are fixed whether or not the others are enabled or under way, so switching one
            // scenario never moves another's records. Slots beyond 1 are cut back.
            slotStart[k] = Math.min(1, next);
            next += windows[k].rate() / rate;
            slotEnd[k] = Math.min(1, next);
        }
        SimulatorConfig.Scenarios sc = config.scenarios();
        sshTargets = sshTargets(net, sc.sshBruteForce().targets());
        attacker = Network.ascii(sc.sshBruteForce().attacker());
        scanTarget = net.byRole[Network.WEB][0];
        scanner = Network.ascii(sc.portScan().scanner());
        scanSourcePort = new Rng(seed, -2).between(40000, 60999);
        exfilHost = net.byRole[Network.DB][0];
        exfilDestination = Network.ascii(sc.exfiltration().destination());
    }

    /** The public addresses the scenarios use, which background traffic must stay clear of. */
    static int[] scenarioAddresses(SimulatorConfig.Scenarios sc) {
        return new int[]{Ipv4.parse(sc.sshBruteForce().attacker()), Ipv4.parse(sc.portScan().scanner()),
                Ipv4.parse(sc.exfiltration().destination())};
    }

    int[] sshTargets() {
        return sshTargets.clone();
    }

    int scanTarget() {
        return scanTarget;
    }

    int exfilHost() {
        return exfilHost;
    }

    /** Fills {@code f} with record number {@code index}. */
    void generate(long index, Flow f) {
        rng.reset(seed, index);
        f.clear();
        double t = index / rate;
        long second = startSecond + (long) Math.floor(t);
        long offsetMillis = (long) Math.floor(t * 1000);
        double u = rng.nextDouble();
        for (int s = 0; s < windows.length; s++) {
            if (u >= slotStart[s] && u < slotEnd[s] && windows[s].activeAt(offsetMillis)) {
                f.scenario = s;
                switch (s) {
                    case 0 -> sshBruteForce(f, second);
                    case 1 -> portScan(f, second);
                    default -> exfiltration(f, second);
                }
                return;
            }
        }
        background(f, second);
    }

    // ---- scenarios ----

    private void sshBruteForce(Flow f, long second) {
        int eni = sshTargets[rng.nextInt(sshTargets.length)];
        f.eni = eni;
        f.src = attacker;
        f.dst = net.ipv4Text[eni];
        f.srcPort = ephemeralPort();
        f.dstPort = 22;
        f.protocol = Flow.TCP;
        // A rejected SYN and its retransmissions: 60-byte SYNs, at 1 s and 3 s.
        f.packets = rng.between(1, 3);
        f.bytes = f.packets * 60;
        f.tcpFlags = 2;
        f.accept = false;
        f.egress = false;
        f.start = second;
        f.end = endAfter(second, f.packets == 1 ? 0 : f.packets == 2 ? 1 : 3);
    }

    private void portScan(Flow f, long second) {
        f.eni = scanTarget;
        f.src = scanner;
        f.dst = net.ipv4Text[scanTarget];
        // A SYN scan keeps one source port and mostly probes the well-known range.
        f.srcPort = scanSourcePort;
        f.dstPort = rng.chance(0.7) ? rng.between(1, 1024) : rng.between(1025, 65535);
        f.protocol = Flow.TCP;
        f.packets = 1;
        f.bytes = 44;
        f.tcpFlags = 2;
        f.accept = net.openToInternet(scanTarget, f.dstPort);
        f.egress = false;
        f.start = second;
        f.end = second;
    }

    private void exfiltration(Flow f, long second) {
        f.eni = exfilHost;
        f.src = net.ipv4Text[exfilHost];
        f.dst = exfilDestination;
        f.srcPort = ephemeralPort();
        f.dstPort = 443;
        f.protocol = Flow.TCP;
        f.bytes = (long) Math.exp(LN_EXFIL_MIN + rng.nextDouble() * (LN_EXFIL_MAX - LN_EXFIL_MIN));
        f.packets = f.bytes / rng.between(1300, 1448) + 1;
        f.tcpFlags = rng.chance(0.5) ? 2 : 0;
        f.accept = true;
        f.egress = true;
        f.trafficPath = 8;
        f.start = second;
        f.end = endAfter(second, rng.between(20, 59));
    }

    // ---- background ----

    private void background(Flow f, long second) {
        double k = rng.nextDouble();
        if ((k -= NODATA) < 0) {
            noData(f, second, Flow.NODATA);
        } else if ((k -= SKIPDATA) < 0) {
            noData(f, second, Flow.SKIPDATA);
        } else if ((k -= SCAN_NOISE) < 0) {
            scanNoise(f, second);
        } else if ((k -= INTERNAL_REJECT) < 0) {
            internalReject(f, second);
        } else if ((k -= WEB_INBOUND) < 0) {
            webInbound(f, second);
        } else if ((k -= APP) < 0) {
            app(f, second);
        } else if ((k -= EGRESS) < 0) {
            egressWeb(f, second);
        } else if ((k -= DNS) < 0) {
            udpService(f, second, net.resolverText, 53, 1, 2, 60, 90, 80, 500);
        } else if ((k -= NTP) < 0) {
            udpService(f, second, net.ntpText, 123, 1, 1, 76, 76, 76, 76);
        } else if ((k -= SSH) < 0) {
            ssh(f, second);
        } else {
            ping(f, second);
        }
    }

    /** NODATA/SKIPDATA: only the interface and the capture window are known; AWS writes "-" for the rest. */
    private void noData(Flow f, long second, int status) {
        f.status = status;
        f.eni = rng.nextInt(net.size);
        f.start = second - rng.between(55, 59);
        f.end = second;
    }

    /** Internet background radiation: one-off probes from random addresses, REJECTed unless the port is open. */
    private void scanNoise(Flow f, long second) {
        int eni = rng.nextInt(net.size);
        f.eni = eni;
        f.src = null;
        f.srcV4 = net.randomPublic(rng);
        f.dst = net.ipv4Text[eni];
        f.egress = false;
        double p = rng.nextDouble();
        if (p < 0.85) {
            f.protocol = Flow.TCP;
            double q = rng.nextDouble();
            f.dstPort = q < 0.74 ? SCAN_PORTS[pick(SCAN_PORT_CDF, q / 0.74)] : rng.between(1, 65535);
            f.srcPort = rng.between(1024, 65535);
            f.packets = rng.chance(0.7) ? 1 : 2;
            f.bytes = f.packets * (rng.chance(0.5) ? 40 : 44);
            f.tcpFlags = 2;
            f.accept = net.openToInternet(eni, f.dstPort);
        } else if (p < 0.93) {
            f.protocol = Flow.UDP;
            f.dstPort = UDP_PROBE_PORTS[rng.nextInt(UDP_PROBE_PORTS.length)];
            f.srcPort = rng.between(1024, 65535);
            f.packets = 1;
            f.bytes = rng.between(40, 120);
            f.accept = false;
        } else {
            f.protocol = Flow.ICMP;
            f.packets = rng.between(1, 3);
            f.bytes = f.packets * 84;
            f.accept = false;
        }
        f.start = second;
        f.end = endAfter(second, f.packets > 1 ? 1 : 0);
    }

    /** Security groups doing their job inside the VPC, or an egress NACL blocking SMTP. */
    private void internalReject(Flow f, long second) {
        int client = randomOf(rng.chance(0.5) ? Network.WORKER : Network.WEB);
        f.protocol = Flow.TCP;
        f.srcPort = ephemeralPort();
        f.packets = rng.between(1, 3);
        f.bytes = f.packets * 60;
        f.tcpFlags = 2;
        f.accept = false;
        f.src = net.ipv4Text[client];
        if (rng.chance(0.6)) {
            int server = randomOf(rng.chance(0.5) ? Network.DB : Network.CACHE);
            f.dst = net.ipv4Text[server];
            f.dstPort = BLOCKED_INTERNAL_PORTS[rng.nextInt(BLOCKED_INTERNAL_PORTS.length)];
            f.eni = server;
            f.egress = false;
        } else {
            f.dst = net.peerText[Network.zipf(net.peerCdf, rng.nextDouble())];
            f.dstPort = 25;
            f.eni = client;
            f.egress = true;
            f.trafficPath = 8;
        }
        f.start = second;
        f.end = endAfter(second, f.packets - 1);
    }

    /** Internet clients of the web hosts: either half of a TCP conversation, seen at the web host. */
    private void webInbound(Flow f, long second) {
        int eni = randomOf(Network.WEB);
        boolean v6 = net.ipv6Text[eni] != null && rng.chance(0.08);
        byte[] peer = v6 ? net.peer6Text[Network.zipf(net.peer6Cdf, rng.nextDouble())]
                : net.peerText[Network.zipf(net.peerCdf, rng.nextDouble())];
        byte[] self = v6 ? net.ipv6Text[eni] : net.ipv4Text[eni];
        int port = rng.chance(0.85) ? 443 : 80;
        f.ipv6 = v6;
        conversation(f, eni, peer, self, ephemeralPort(), port, rng.chance(0.5), true, 1.2);
        f.trafficPath = f.egress ? internetPath() : 0;
        finish(f, second);
    }

    /** Web and worker hosts querying databases and caches; logged at either end. */
    private void app(Flow f, long second) {
        int client = randomOf(rng.chance(0.6) ? Network.WEB : Network.WORKER);
        int server;
        int port;
        if (rng.chance(0.6)) {
            server = randomOf(Network.DB);
            port = net.dbPort[server];
        } else {
            server = randomOf(Network.CACHE);
            port = 6379;
        }
        boolean atServer = rng.chance(0.5);
        int eni = atServer ? server : client;
        boolean request = rng.chance(0.5);
        // seen from the logged interface: the client sends requests, the server sends responses
        boolean egress = atServer != request;
        conversationBetween(f, eni, net.ipv4Text[client], net.ipv4Text[server], ephemeralPort(), port, request, egress, 1.3);
        f.trafficPath = f.egress ? (net.vpc[client] == net.vpc[server] ? 1 : 4) : 0;
        finish(f, second);
    }

    /** Hosts calling internet APIs and mirrors. */
    private void egressWeb(Flow f, long second) {
        double r = rng.nextDouble();
        int client = randomOf(r < 0.7 ? Network.WORKER : r < 0.95 ? Network.WEB : Network.DB);
        boolean v6 = net.ipv6Text[client] != null && rng.chance(0.08);
        byte[] peer = v6 ? net.peer6Text[Network.zipf(net.peer6Cdf, rng.nextDouble())]
                : net.peerText[Network.zipf(net.peerCdf, rng.nextDouble())];
        byte[] self = v6 ? net.ipv6Text[client] : net.ipv4Text[client];
        f.ipv6 = v6;
        boolean request = rng.chance(0.5);
        conversationBetween(f, client, self, peer, ephemeralPort(), rng.chance(0.9) ? 443 : 80, request, request, 1.15);
        f.trafficPath = f.egress ? internetPath() : 0;
        finish(f, second);
    }

    /** A UDP request/response with an internet service (DNS, NTP), logged at the client. */
    private void udpService(Flow f, long second, byte[][] servers, int port, int minPackets, int maxPackets,
                            int minRequestBytes, int maxRequestBytes, int minResponseBytes, int maxResponseBytes) {
        int client = rng.nextInt(net.size);
        byte[] server = servers[rng.nextInt(servers.length)];
        boolean request = rng.chance(0.5);
        f.eni = client;
        f.protocol = Flow.UDP;
        f.packets = rng.between(minPackets, maxPackets);
        int clientPort = ephemeralPort();
        if (request) {
            f.src = net.ipv4Text[client];
            f.dst = server;
            f.srcPort = clientPort;
            f.dstPort = port;
            f.bytes = f.packets * rng.between(minRequestBytes, maxRequestBytes);
            f.egress = true;
            f.trafficPath = internetPath();
        } else {
            f.src = server;
            f.dst = net.ipv4Text[client];
            f.srcPort = port;
            f.dstPort = clientPort;
            f.bytes = f.packets * rng.between(minResponseBytes, maxResponseBytes);
            f.egress = false;
        }
        f.start = second;
        f.end = second;
    }

    /** Admins reaching the bastions from their offices, and bastions reaching the hosts. */
    private void ssh(Flow f, long second) {
        int bastion = randomOf(Network.BASTION);
        boolean request = rng.chance(0.5);
        if (rng.chance(0.5)) {
            byte[] admin = net.adminText[rng.nextInt(net.adminText.length)];
            conversation(f, bastion, admin, net.ipv4Text[bastion], ephemeralPort(), 22, request, true, 1.1);
            f.trafficPath = f.egress ? internetPath() : 0;
        } else {
            int host = other(bastion);
            boolean atHost = rng.chance(0.5);
            conversationBetween(f, atHost ? host : bastion, net.ipv4Text[bastion], net.ipv4Text[host], ephemeralPort(), 22,
                    request, atHost != request, 1.1);
            f.trafficPath = f.egress ? (net.vpc[bastion] == net.vpc[host] ? 1 : 4) : 0;
        }
        finish(f, second);
    }

    /** Health checks: ICMP echo between hosts, logged at the sender. */
    private void ping(Flow f, long second) {
        int from = rng.nextInt(net.size);
        int to = other(from);
        f.eni = from;
        f.src = net.ipv4Text[from];
        f.dst = net.ipv4Text[to];
        f.protocol = Flow.ICMP;
        f.packets = rng.between(1, 10);
        f.bytes = f.packets * 84;
        f.egress = true;
        f.trafficPath = net.vpc[from] == net.vpc[to] ? 1 : 4;
        f.start = second;
        f.end = endAfter(second, f.packets - 1);
    }

    /**
     * One direction of a TCP conversation between a remote client and the logged {@code server}
     * interface: the request direction (client to server) is ingress, the response egress.
     */
    private void conversation(Flow f, int server, byte[] client, byte[] self, int clientPort, int port,
                              boolean request, boolean atServer, double alpha) {
        conversationBetween(f, server, client, self, clientPort, port, request, atServer != request, alpha);
    }

    /**
     * One direction of a TCP conversation between {@code client} and {@code server}, logged at
     * interface {@code eni}: requests flow client to server, responses back; responses are
     * bigger. Packet counts are Pareto-distributed with tail index {@code alpha}.
     */
    private void conversationBetween(Flow f, int eni, byte[] client, byte[] server, int clientPort, int port,
                                     boolean request, boolean egress, double alpha) {
        f.eni = eni;
        f.protocol = Flow.TCP;
        f.egress = egress;
        long packets = pareto(alpha);
        if (request) {
            f.src = client;
            f.dst = server;
            f.srcPort = clientPort;
            f.dstPort = port;
            f.packets = packets;
            f.bytes = packets * rng.between(52, 400);
            f.tcpFlags = tcpFlags(3, 2);
        } else {
            f.src = server;
            f.dst = client;
            f.srcPort = port;
            f.dstPort = clientPort;
            f.packets = Math.min(MAX_PACKETS, packets + packets / 2);
            f.bytes = f.packets * rng.between(400, 1448);
            f.tcpFlags = tcpFlags(19, 18);
        }
    }

    /**
     * TCP flags ORed over the interval: a whole short connection ({@code whole}: SYN|FIN or
     * SYN-ACK|FIN), its opening only, its closing only (FIN), the middle of a long one (0),
     * or a reset.
     */
    private int tcpFlags(int whole, int opening) {
        double p = rng.nextDouble();
        return p < 0.6 ? whole : p < 0.8 ? opening : p < 0.9 ? 1 : p < 0.97 ? 0 : 4;
    }

    /** Start at the record's second; the last packet later in the same one-minute capture window. */
    private void finish(Flow f, long second) {
        f.start = second;
        long packets = f.packets;
        int duration = packets <= 3 ? rng.nextInt(3)
                : 1 + rng.nextInt(4) + 3 * (63 - Long.numberOfLeadingZeros(packets));
        f.end = endAfter(second, duration);
    }

    /**
     * {@code seconds} after {@code second}, but within the one-minute aggregation interval
     * holding {@code second}: a record never reaches into the next capture window.
     */
    private static long endAfter(long second, long seconds) {
        return Math.min(second + seconds, Math.floorDiv(second, 60) * 60 + 59);
    }

    /** Pareto with minimum 1 and tail index alpha, capped at a saturated gigabit for one minute. */
    private long pareto(double alpha) {
        double x = Math.exp(-Math.log(1 - rng.nextDouble()) / alpha);
        return x >= MAX_PACKETS ? MAX_PACKETS : (long) x;
    }

    /** Client side ports: the Linux default ephemeral range. */
    private int ephemeralPort() {
        return rng.between(32768, 60999);
    }

    /** Internet gateway, mostly from Nitro instances (8), else the older code (2). */
    private int internetPath() {
        return rng.chance(0.8) ? 8 : 2;
    }

    /** Any interface but {@code eni}. */
    private int other(int eni) {
        int k = rng.nextInt(net.size - 1);
        return k >= eni ? k + 1 : k;
    }

    private int randomOf(int role) {
        int[] hosts = net.byRole[role];
        return hosts[rng.nextInt(hosts.length)];
    }

    private static int[] sshTargets(Network net, int n) {
        int[] out = new int[n];
        int k = 0;
        for (int r : new int[]{Network.BASTION, Network.WEB, Network.WORKER, Network.DB, Network.CACHE}) {
            for (int eni : net.byRole[r]) {
                if (k < n) {
                    out[k++] = eni;
                }
            }
        }
        return out;
    }

    private static int pick(double[] cdf, double u) {
        for (int i = 0; i < cdf.length; i++) {
            if (u < cdf[i]) {
                return i;
            }
        }
        return cdf.length - 1;
    }

    private static double[] cdf(double... weights) {
        double sum = 0;
        for (double w : weights) {
            sum += w;
        }
        double[] out = new double[weights.length];
        double acc = 0;
        for (int i = 0; i < weights.length; i++) {
            acc += weights[i];
            out[i] = acc / sum;
        }
        return out;
    }
}
