package io.flowwatch.runtime.parse;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;

import java.io.IOException;
import java.io.OutputStream;

/**
 * One JSON object per record, one per line: keys are the AWS field names exactly as the format
 * spells them, numeric fields are JSON numbers, absent values ({@code -}) are null.
 */
public final class RecordJsonWriter implements AutoCloseable {

    private final JsonGenerator g;
    // Keys, encoded and quoted once per format rather than once per field of every record.
    private FlowFormat keysFormat;
    private SerializedString[] keys;
    // Text values repeat (actions, statuses, interfaces, busy addresses), and the parser hands out
    // one String instance per repeated value: remember their encoded form by instance.
    private final String[] recentValues = new String[1 << 12];
    private final SerializedString[] recentEncoded = new SerializedString[1 << 12];

    public RecordJsonWriter(OutputStream out) throws IOException {
        JsonFactory factory = new JsonFactory();
        factory.setRootValueSeparator(null);
        factory.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        g = factory.createGenerator(out, JsonEncoding.UTF8);
    }

    public void write(FlowRecord r) throws IOException {
        FlowFormat f = r.format();
        if (f != keysFormat) {
            keys = new SerializedString[f.size()];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = new SerializedString(f.column(i).name());
            }
            keysFormat = f;
        }
        g.writeStartObject();
        for (int i = 0; i < keys.length; i++) {
            g.writeFieldName(keys[i]);
            if (!r.isPresent(i)) {
                g.writeNull();
            } else if (f.isNumeric(i)) {
                g.writeNumber(r.longAt(i));
            } else {
                g.writeString(encoded(r.stringAt(i)));
            }
        }
        g.writeEndObject();
        g.writeRaw('\n');
    }

    private SerializedString encoded(String value) {
        int h = value.hashCode(); // kept inside the String after its first use
        int slot = (h ^ (h >>> 16)) & (recentValues.length - 1);
        if (recentValues[slot] != value) {
            recentValues[slot] = value;
            recentEncoded[slot] = new SerializedString(value);
        }
        return recentEncoded[slot];
    }

    public void flush() throws IOException {
        g.flush();
    }

    @Override
    public void close() throws IOException {
        g.close();
    }
}
