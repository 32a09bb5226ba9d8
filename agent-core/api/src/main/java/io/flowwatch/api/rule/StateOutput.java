package io.flowwatch.api.rule;

import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where a rule writes its in-memory state at a checkpoint ({@link Rule#saveState}): the encoding
 * of {@link java.io.DataOutputStream} (big-endian numbers) plus strings of any length, string
 * lists and flow records (each format is written once and referred to by number afterwards).
 *
 * <p>The runtime streams this to a file in {@code state-dir}; it is read back by
 * {@link StateInput} in the same order. Writes are buffered here: call {@link #flush} at the end.
 * Not thread-safe.
 */
public final class StateOutput {

    // A checkpoint writes millions of small values under the engine's lock: encode them straight
    // into one buffer (DataOutputStream hands every byte of an int to the stream beneath it).
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private final OutputStream out;
    private final byte[] buf = new byte[1 << 14];
    private int pos;
    private long flushed;
    private final Map<FlowFormat, Integer> formats = new HashMap<>();

    public StateOutput(OutputStream out) {
        this.out = Objects.requireNonNull(out, "out");
    }

    public void writeBoolean(boolean v) throws IOException {
        room(1);
        buf[pos++] = (byte) (v ? 1 : 0);
    }

    public void writeInt(int v) throws IOException {
        room(4);
        INT.set(buf, pos, v);
        pos += 4;
    }

    public void writeLong(long v) throws IOException {
        room(8);
        LONG.set(buf, pos, v);
        pos += 8;
    }

    public void writeDouble(double v) throws IOException {
        writeLong(Double.doubleToLongBits(v));
    }

    /** A string of any length, or null. */
    public void writeString(String s) throws IOException {
        if (s == null) {
            writeInt(-1);
            return;
        }
        writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    public void writeBytes(byte[] b) throws IOException {
        writeInt(b.length);
        if (b.length > buf.length - pos) {
            drain();
            if (b.length > buf.length) {
                out.write(b);
                flushed += b.length;
                return;
            }
        }
        System.arraycopy(b, 0, buf, pos, b.length);
        pos += b.length;
    }

    /** A list of strings (elements may be null), e.g. a group-by key. */
    public void writeStrings(List<String> values) throws IOException {
        writeInt(values.size());
        for (String v : values) {
            writeString(v);
        }
    }

    /** A map of strings, in its iteration order, e.g. alert labels. */
    public void writeStringMap(Map<String, String> m) throws IOException {
        writeInt(m.size());
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
            writeInt(-1 - id); // a new format follows
            writeString(r.format().spec());
        } else {
            writeInt(id);
        }
        writeLong(r.eventTime());
        FlowFormat f = r.format();
        for (int i = 0; i < f.size(); i++) {
            if (f.isNumeric(i)) {
                writeLong(r.longAt(i));
            } else {
                writeString(r.stringAt(i));
            }
        }
    }

    /** Records with their count. */
    public void writeRecords(List<FlowRecord> records) throws IOException {
        writeInt(records.size());
        for (FlowRecord r : records) {
            writeRecord(r);
        }
    }

    /** Bytes written so far (saturates at {@link Integer#MAX_VALUE}). */
    public int size() {
        return (int) Math.min(Integer.MAX_VALUE, flushed + pos);
    }

    /** Writes out everything buffered and flushes the stream beneath. */
    public void flush() throws IOException {
        drain();
        out.flush();
    }

    private void room(int n) throws IOException {
        if (buf.length - pos < n) {
            drain();
        }
    }

    private void drain() throws IOException {
        if (pos > 0) {
            out.write(buf, 0, pos);
            flushed += pos;
            pos = 0;
        }
    }
}
