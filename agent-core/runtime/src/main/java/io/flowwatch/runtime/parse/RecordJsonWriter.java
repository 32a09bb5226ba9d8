package io.flowwatch.runtime.parse;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
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

    public RecordJsonWriter(OutputStream out) throws IOException {
        JsonFactory factory = new JsonFactory();
        factory.setRootValueSeparator(null);
        factory.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        g = factory.createGenerator(out, JsonEncoding.UTF8);
    }

    public void write(FlowRecord r) throws IOException {
        FlowFormat f = r.format();
        g.writeStartObject();
        for (int i = 0; i < f.size(); i++) {
            g.writeFieldName(f.column(i).name());
            if (!r.isPresent(i)) {
                g.writeNull();
            } else if (f.isNumeric(i)) {
                g.writeNumber(r.longAt(i));
            } else {
                g.writeString(r.stringAt(i));
            }
        }
        g.writeEndObject();
        g.writeRaw('\n');
    }

    public void flush() throws IOException {
        g.flush();
    }

    @Override
    public void close() throws IOException {
        g.close();
    }
}
