package io.flowwatch.plugin.simulator;

import io.flowwatch.api.record.FlowField;
import io.flowwatch.api.record.FlowFormat;

import java.util.Arrays;

/**
 * Renders {@link Flow}s as flow-log text in one {@link FlowFormat}, appending to a byte buffer.
 * The format is turned into an array of column codes once, so a record costs one switch per
 * column and copies of pre-rendered bytes; no strings are built per record.
 *
 * <p>Which fields hold what follows the AWS VPC user guide ("Flow log records", through format
 * version 5): NODATA and SKIPDATA records keep only the interface, its attributes and the
 * capture window; {@code traffic-path} is written for egress only; fields the simulator does
 * not model (sublocations, AWS service names, ECS, reject-reason, fields AWS added later,
 * unknown names) are {@code -}. Not thread-safe.
 */
final class FlowWriter {

    private static final int DASH = 0;
    private static final int VERSION = 1;
    private static final int ACCOUNT_ID = 2;
    private static final int INTERFACE_ID = 3;
    private static final int SRCADDR = 4;
    private static final int DSTADDR = 5;
    private static final int SRCPORT = 6;
    private static final int DSTPORT = 7;
    private static final int PROTOCOL = 8;
    private static final int PACKETS = 9;
    private static final int BYTES = 10;
    private static final int START = 11;
    private static final int END = 12;
    private static final int ACTION = 13;
    private static final int LOG_STATUS = 14;
    private static final int VPC_ID = 15;
    private static final int SUBNET_ID = 16;
    private static final int INSTANCE_ID = 17;
    private static final int TCP_FLAGS = 18;
    private static final int TYPE = 19;
    private static final int REGION = 20;
    private static final int AZ_ID = 21;
    private static final int FLOW_DIRECTION = 22;
    private static final int TRAFFIC_PATH = 23;

    /** Longest value any column can hold (an IPv6 address is at most 39), plus its separator. */
    private static final int MAX_COLUMN_BYTES = 48;

    private static final byte[] ACCEPT = Network.ascii("ACCEPT");
    private static final byte[] REJECT = Network.ascii("REJECT");
    private static final byte[][] STATUS = {Network.ascii("OK"), Network.ascii("NODATA"), Network.ascii("SKIPDATA")};
    private static final byte[] IPV4 = Network.ascii("IPv4");
    private static final byte[] IPV6 = Network.ascii("IPv6");
    private static final byte[] INGRESS = Network.ascii("ingress");
    private static final byte[] EGRESS = Network.ascii("egress");

    private final int[] columns;
    private final int maxLineBytes;
    private final long version;
    private final byte[] accountId;
    private final byte[] region;
    private final Network net;

    FlowWriter(FlowFormat format, Network net, String accountId, String region) {
        this.net = net;
        this.accountId = Network.ascii(accountId);
        this.region = Network.ascii(region);
        this.version = format.version();
        columns = new int[format.size()];
        for (int i = 0; i < columns.length; i++) {
            columns[i] = code(format.column(i).field());
        }
        maxLineBytes = columns.length * (MAX_COLUMN_BYTES + 1) + 1;
    }

    /** Appends one record and its {@code '\n'}. */
    void write(Flow f, LineBuffer out) {
        out.ensure(maxLineBytes);
        boolean traffic = f.status == Flow.OK;
        for (int c = 0; c < columns.length; c++) {
            if (c > 0) {
                out.put((byte) ' ');
            }
            int code = columns[c];
            if (!traffic && code != VERSION && code != ACCOUNT_ID && code != INTERFACE_ID && code != START
                    && code != END && code != LOG_STATUS && code != VPC_ID && code != SUBNET_ID
                    && code != INSTANCE_ID && code != REGION && code != AZ_ID) {
                out.put((byte) '-');
                continue;
            }
            switch (code) {
                case VERSION -> out.putLong(version);
                case ACCOUNT_ID -> out.put(accountId);
                case INTERFACE_ID -> out.put(net.interfaceId[f.eni]);
                case SRCADDR -> address(out, f.src, f.srcV4);
                case DSTADDR -> address(out, f.dst, f.dstV4);
                case SRCPORT -> out.putLong(f.srcPort);
                case DSTPORT -> out.putLong(f.dstPort);
                case PROTOCOL -> out.putLong(f.protocol);
                case PACKETS -> out.putLong(f.packets);
                case BYTES -> out.putLong(f.bytes);
                case START -> out.putLong(f.start);
                case END -> out.putLong(f.end);
                case ACTION -> out.put(f.accept ? ACCEPT : REJECT);
                case LOG_STATUS -> out.put(STATUS[f.status]);
                case VPC_ID -> out.put(net.vpcId[f.eni]);
                case SUBNET_ID -> out.put(net.subnetId[f.eni]);
                case INSTANCE_ID -> out.put(net.instanceId[f.eni]);
                case TCP_FLAGS -> out.putLong(f.tcpFlags);
                case TYPE -> out.put(f.ipv6 ? IPV6 : IPV4);
                case REGION -> out.put(region);
                case AZ_ID -> out.put(net.azId[f.eni]);
                case FLOW_DIRECTION -> out.put(f.egress ? EGRESS : INGRESS);
                case TRAFFIC_PATH -> {
                    if (f.egress && f.trafficPath > 0) {
                        out.putLong(f.trafficPath);
                    } else {
                        out.put((byte) '-');
                    }
                }
                default -> out.put((byte) '-');
            }
        }
        out.put((byte) '\n');
    }

    private static void address(LineBuffer out, byte[] text, int v4) {
        if (text != null) {
            out.put(text);
        } else {
            out.putIpv4(v4);
        }
    }

    private static int code(FlowField field) {
        if (field == null) {
            return DASH;
        }
        return switch (field) {
            case VERSION -> VERSION;
            case ACCOUNT_ID -> ACCOUNT_ID;
            case INTERFACE_ID -> INTERFACE_ID;
            case SRCADDR, PKT_SRCADDR -> SRCADDR; // no NAT in the model: packet addresses are the flow's
            case DSTADDR, PKT_DSTADDR -> DSTADDR;
            case SRCPORT -> SRCPORT;
            case DSTPORT -> DSTPORT;
            case PROTOCOL -> PROTOCOL;
            case PACKETS -> PACKETS;
            case BYTES -> BYTES;
            case START -> START;
            case END -> END;
            case ACTION -> ACTION;
            case LOG_STATUS -> LOG_STATUS;
            case VPC_ID -> VPC_ID;
            case SUBNET_ID -> SUBNET_ID;
            case INSTANCE_ID -> INSTANCE_ID;
            case TCP_FLAGS -> TCP_FLAGS;
            case TYPE -> TYPE;
            case REGION -> REGION;
            case AZ_ID -> AZ_ID;
            case FLOW_DIRECTION -> FLOW_DIRECTION;
            case TRAFFIC_PATH -> TRAFFIC_PATH;
            default -> DASH;
        };
    }

    /**
     * A growable byte array for one batch. Callers {@link #ensure} room for a whole line first, so
     * the puts need no bounds checks of their own.
     */
    static final class LineBuffer {
        private byte[] buf;
        private int length;

        LineBuffer(int capacity) {
            buf = new byte[Math.max(capacity, 64)];
        }

        void ensure(int extra) {
            if (length + extra > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, length + extra));
            }
        }

        byte[] array() {
            return buf;
        }

        int length() {
            return length;
        }

        void put(byte b) {
            buf[length++] = b;
        }

        void put(byte[] bytes) {
            System.arraycopy(bytes, 0, buf, length, bytes.length);
            length += bytes.length;
        }

        /** A non-negative number in decimal. */
        void putLong(long v) {
            if (v < 10) {
                buf[length++] = (byte) ('0' + v);
                return;
            }
            int digits = 1;
            for (long x = v / 10; x != 0; x /= 10) {
                digits++;
            }
            int pos = length + digits;
            length = pos;
            do {
                buf[--pos] = (byte) ('0' + v % 10);
                v /= 10;
            } while (v != 0);
        }

        void putIpv4(int a) {
            putLong(a >>> 24);
            put((byte) '.');
            putLong((a >>> 16) & 0xFF);
            put((byte) '.');
            putLong((a >>> 8) & 0xFF);
            put((byte) '.');
            putLong(a & 0xFF);
        }
    }
}
