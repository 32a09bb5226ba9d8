package io.flowwatch.api.rule;

import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads back what a rule wrote through {@link StateOutput}, in the same order. Every length is
 * checked, so a damaged file ends in an {@link IOException} ("corrupt rule state"), never in a
 * huge allocation or a record with the wrong shape. Not thread-safe.
 */
public final class StateInput {

    /** Longest string or byte array accepted: far above any real value, far below trouble. */
    private static final int MAX_LENGTH = 64 << 20;

    private final DataInputStream in;
    private final List<FlowFormat> formats = new ArrayList<>();

    public StateInput(InputStream in) {
        this.in = new DataInputStream(Objects.requireNonNull(in, "in"));
    }

    public boolean readBoolean() throws IOException {
        return in.readBoolean();
    }

    public int readInt() throws IOException {
        return in.readInt();
    }

    public long readLong() throws IOException {
        return in.readLong();
    }

    public double readDouble() throws IOException {
        return in.readDouble();
    }

    /** A count written with {@code writeInt}, checked to lie in {@code [0, max]}. */
    public int readCount(int max) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > max) {
            throw corrupt("count " + n + " outside 0.." + max);
        }
        return n;
    }

    public String readString() throws IOException {
        int n = in.readInt();
        if (n == -1) {
            return null;
        }
        if (n < -1 || n > MAX_LENGTH) {
            throw corrupt("string length " + n);
        }
        return new String(bytes(n), StandardCharsets.UTF_8);
    }

    public byte[] readBytes() throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_LENGTH) {
            throw corrupt("byte array length " + n);
        }
        return bytes(n);
    }

    public List<String> readStrings() throws IOException {
        int n = readCount(MAX_LENGTH);
        List<String> out = new ArrayList<>(Math.min(n, 64));
        for (int i = 0; i < n; i++) {
            out.add(readString());
        }
        return out;
    }

    /** A map in the order it was written. */
    public Map<String, String> readStringMap() throws IOException {
        int n = readCount(MAX_LENGTH);
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            out.put(readString(), readString());
        }
        return out;
    }

    public FlowRecord readRecord() throws IOException {
        int id = in.readInt();
        FlowFormat f;
        if (id < 0) {
            if (-1 - id != formats.size()) {
                throw corrupt("format number " + (-1 - id) + " out of sequence");
            }
            String spec = readString();
            try {
                f = FlowFormat.parse(spec == null ? "" : spec);
            } catch (IllegalArgumentException e) {
                throw corrupt("bad record format '" + spec + "': " + e.getMessage());
            }
            formats.add(f);
        } else if (id < formats.size()) {
            f = formats.get(id);
        } else {
            throw corrupt("unknown format number " + id);
        }
        long eventTime = in.readLong();
        long[] numbers = new long[f.numberSlots()];
        String[] strings = new String[f.textSlots()];
        for (int i = 0; i < f.size(); i++) {
            if (f.isNumeric(i)) {
                numbers[f.numberSlot(i)] = in.readLong();
            } else {
                strings[f.textSlot(i)] = readString(); // addresses' codes are worked out from it
            }
        }
        return FlowRecord.ofSlots(f, numbers, strings, eventTime);
    }

    public List<FlowRecord> readRecords() throws IOException {
        int n = readCount(1 << 16);
        List<FlowRecord> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(readRecord());
        }
        return out;
    }

    /** An {@link IOException} saying the state is damaged, for rules' own checks too. */
    public static IOException corrupt(String what) {
        return new IOException("corrupt rule state: " + what);
    }

    private byte[] bytes(int n) throws IOException {
        byte[] b = new byte[n];
        in.readFully(b); // EOFException (an IOException) when the file was cut short
        return b;
    }
}
