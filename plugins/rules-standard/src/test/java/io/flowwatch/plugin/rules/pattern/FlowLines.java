package io.flowwatch.plugin.rules.pattern;

import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;

/** Test helper: a flow-log text line as a record of a format, the way the parser would build it. */
final class FlowLines {

    private FlowLines() {
    }

    static FlowRecord record(FlowFormat format, String line) {
        String[] tokens = line.split(" ");
        if (tokens.length != format.size()) {
            throw new IllegalArgumentException("line has " + tokens.length + " fields, format " + format.size());
        }
        FlowRecord.Builder b = FlowRecord.builder(format);
        for (int i = 0; i < tokens.length; i++) {
            if (!tokens[i].equals("-")) {
                b.set(i, tokens[i]);
            }
        }
        return b.build();
    }

    static FlowRecord record(String line) {
        return record(FlowFormat.DEFAULT, line);
    }
}
