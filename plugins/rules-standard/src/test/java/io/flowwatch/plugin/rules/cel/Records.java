package io.flowwatch.plugin.rules.cel;

import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;

/** Test records written as flow-log lines ({@code -} for absent), the way they appear in files. */
final class Records {

    private Records() {
    }

    static FlowRecord line(String line) {
        return line(FlowFormat.DEFAULT, line);
    }

    static FlowRecord line(FlowFormat format, String line) {
        String[] values = line.split(" ");
        if (values.length != format.size()) {
            throw new IllegalArgumentException("expected " + format.size() + " values: " + line);
        }
        FlowRecord.Builder b = FlowRecord.builder(format);
        for (int i = 0; i < values.length; i++) {
            if (!values[i].equals("-")) {
                b.set(i, values[i]);
            }
        }
        return b.build();
    }

    /** A default-format record: the AWS guide's rejected-SSH example with the given changes. */
    static FlowRecord flow(String srcaddr, String dstaddr, int dstport, int protocol, String action) {
        return line("2 123456789010 eni-1235b8ca123456789 " + srcaddr + " " + dstaddr + " 49761 " + dstport
                + " " + protocol + " 20 4249 1418530010 1418530070 " + action + " OK");
    }
}
