package io.flowwatch.plugin.simulator;

/**
 * One record being generated, as primitives and pre-rendered byte arrays. A single instance is
 * refilled for every record so the generator allocates nothing per record.
 */
final class Flow {

    static final int OK = 0;
    static final int NODATA = 1;
    static final int SKIPDATA = 2;

    static final int TCP = 6;
    static final int UDP = 17;
    static final int ICMP = 1;

    /** Who made the record: -1 for background traffic, else a {@link Scenario} ordinal. */
    int scenario;
    int status;
    /** The interface the record is logged for (an index into {@link Network}). */
    int eni;
    /** Source address text, or null when the address is {@link #srcV4}. */
    byte[] src;
    int srcV4;
    byte[] dst;
    int dstV4;
    boolean ipv6;
    int srcPort;
    int dstPort;
    int protocol;
    long packets;
    long bytes;
    long start;
    long end;
    boolean accept;
    int tcpFlags;
    /** Relative to the logged interface: true when it sent the packets. */
    boolean egress;
    /** AWS traffic-path code for egress flows (1 same VPC, 4 peering, 8 internet gateway), 0 when absent. */
    int trafficPath;

    void clear() {
        scenario = -1;
        status = OK;
        src = null;
        dst = null;
        srcV4 = 0;
        dstV4 = 0;
        ipv6 = false;
        srcPort = 0;
        dstPort = 0;
        protocol = TCP;
        packets = 0;
        bytes = 0;
        accept = true;
        tcpFlags = 0;
        egress = false;
        trafficPath = 0;
    }
}
