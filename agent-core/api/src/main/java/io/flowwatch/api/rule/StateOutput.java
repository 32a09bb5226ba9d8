package io.flowwatch.api.rule;

import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where a rule writes its in-memory state at a checkpoint ({@link Rule#saveState}). A thin layer
 * over {@link DataOutputStream} that also knows strings of any length, string lists and flow
 * records (each format is written once and referred to by number afterwards).
 *
 * <p>The runtime streams this to a file in {@code state-dir}; it is read back by
 * {@link StateInput} in the same order. Not thread-safe.
 */
public final class StateOutput {

    private final DataOutputStream out;
    private final Map<FlowFormat, Integer> formats = new HashMap<>();

    public StateOutput(OutputStream out) {
        this.out = new DataOutputStream(Objects.requireNonNull(out, "out"));
    }

    public void writeBoolean(boolean v) throws IOException {
        out.writeBoolean(v);
    }

    public void writeInt(int v) throws IOException {
        out.writeInt(v);
    }

    public void writeLong(long v) throws IOException {
        out.writeLong(v);
    }

    public void writeDouble(double v) throws IOException {
        out.writeDouble(v);
    }

    /** A string of any length, or null. */
    public void writeString(String s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    public void writeBytes(byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    /** A list of strings (elements may be null), e.g. a group-by key. */
    public void writeStrings(List<String> values) throws IOException {
        out.writeInt(values.size());
        for (String v : values) {
            writeString(v);
        }
    }

    /** A map of strings, in its iteration order, e.g. alert labels. */
    public void writeStringMap(Map<String, String> m) throws IOException {
        out.writeInt(m.size());
        for (Map.Entry<String, String> e : m.entrySet()) {
            writeString(e.getKey());
            writeString(e.getValue());
        }
    }

    /** A flow record: its format (by reference after the first time), event time and columns. */
    public void writeRecord(FlowRecord r) throws IOException {
        Integer id = formats.get(r.format());
        if (id == null) {
            id = formats.size();
            formats.put(r.format(), id);
            out.writeInt(-1 - id); // a new format follows
            writeString(r.format().spec());
        } else {
            out.writeInt(id);
        }
        out.writeLong(r.eventTime());
        FlowFormat f = r.format();
        for (int i = 0; i < f.size(); i++) {
            if (f.column(i).type().numeric()) {
                out.writeLong(r.longAt(i));
            } else {
                writeString(r.stringAt(i));
            }
        }
    }

    /** Records with their count. */
    public void writeRecords(List<FlowRecord> records) throws IOException {
        out.writeInt(records.size());
        for (FlowRecord r : records) {
            writeRecord(r);
        }
    }

    /** Bytes written so far (saturates at {@link Integer#MAX_VALUE}). */
    public int size() {
        return out.size();
    }

    public void flush() throws IOException {
        out.flush();
    }
}
