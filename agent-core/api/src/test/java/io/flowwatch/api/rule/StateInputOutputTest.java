package io.flowwatch.api.rule;

import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StateInputOutputTest {

    static final FlowFormat CUSTOM = FlowFormat.parse("${srcaddr} ${dstport} ${action} ${tcp-flags}");

    @Test
    void whatIsWrittenIsReadBackInOrder() throws IOException {
        FlowRecord v2 = FlowRecord.builder(FlowFormat.DEFAULT)
                .set(FlowFormat.DEFAULT.indexOf("srcaddr"), "10.0.0.1")
                .set(FlowFormat.DEFAULT.indexOf("start"), 1_700_000_000L)
                .set(FlowFormat.DEFAULT.indexOf("bytes"), 1234L)
                .build();
        FlowRecord custom = FlowRecord.builder(CUSTOM).set(0, "2001:db8::1").set(1, 22L).fallbackEventTime(1_700_000_060L).build();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StateOutput out = new StateOutput(bytes);
        out.writeLong(-5);
        out.writeString(null);
        out.writeString("ü".repeat(70_000)); // longer than DataOutput.writeUTF allows
        out.writeStrings(Arrays.asList("a", null, ""));
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("z", "1");
        labels.put("a", "2");
        out.writeStringMap(labels);
        out.writeRecords(List.of(v2, custom, v2, custom));
        out.writeDouble(Double.NaN);
        out.writeBytes(new byte[]{1, 2, 3});
        out.flush();

        StateInput in = new StateInput(new ByteArrayInputStream(bytes.toByteArray()));
        assertThat(in.readLong()).isEqualTo(-5);
        assertThat(in.readString()).isNull();
        assertThat(in.readString()).isEqualTo("ü".repeat(70_000));
        assertThat(in.readStrings()).containsExactly("a", null, "");
        assertThat(in.readStringMap()).containsExactly(Map.entry("z", "1"), Map.entry("a", "2"));
        List<FlowRecord> records = in.readRecords();
        assertThat(records).extracting(FlowRecord::toLine).containsExactly(v2.toLine(), custom.toLine(), v2.toLine(), custom.toLine());
        assertThat(records).extracting(FlowRecord::eventTime).containsExactly(1_700_000_000L, 1_700_000_060L, 1_700_000_000L, 1_700_000_060L);
        assertThat(records.get(1).format()).isEqualTo(CUSTOM);
        assertThat(in.readDouble()).isNaN();
        assertThat(in.readBytes()).containsExactly(1, 2, 3);
    }

    @Test
    void theEncodingIsDataOutputStreamsSoEarlierCheckpointsStayReadable() throws IOException {
        // The buffered encoder must write exactly what DataOutputStream wrote before it, across buffer refills.
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        DataOutputStream data = new DataOutputStream(expected);
        ByteArrayOutputStream actual = new ByteArrayOutputStream();
        StateOutput out = new StateOutput(actual);
        for (int i = 0; i < 5_000; i++) {
            data.writeInt(i * 7919 - 1_000_000);
            out.writeInt(i * 7919 - 1_000_000);
            data.writeLong(Long.MIN_VALUE + i);
            out.writeLong(Long.MIN_VALUE + i);
            data.writeBoolean(i % 3 == 0);
            out.writeBoolean(i % 3 == 0);
            data.writeDouble(i / 3.0);
            out.writeDouble(i / 3.0);
            byte[] text = ("10.0." + i + ".ü").getBytes(StandardCharsets.UTF_8);
            data.writeInt(text.length);
            data.write(text);
            out.writeString("10.0." + i + ".ü");
        }
        byte[] big = new byte[100_000];
        Arrays.fill(big, (byte) 'x');
        data.writeInt(big.length);
        data.write(big);
        out.writeBytes(big);
        out.flush();
        assertThat(out.size()).isEqualTo(expected.size());
        assertThat(actual.toByteArray()).isEqualTo(expected.toByteArray());
    }

    @Test
    void aFileCutShortIsAnIOExceptionNotGarbage() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StateOutput out = new StateOutput(bytes);
        out.writeString("hello world");
        out.flush();
        byte[] cut = Arrays.copyOf(bytes.toByteArray(), 8);
        assertThatThrownBy(() -> new StateInput(new ByteArrayInputStream(cut)).readString()).isInstanceOf(IOException.class);
    }

    @Test
    void impossibleLengthsAndUnknownFormatsAreCorruptState() {
        byte[] negative = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xf0};
        assertThatThrownBy(() -> new StateInput(new ByteArrayInputStream(negative)).readString())
                .isInstanceOf(IOException.class).hasMessageContaining("corrupt rule state: string length");
        byte[] huge = {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        assertThatThrownBy(() -> new StateInput(new ByteArrayInputStream(huge)).readBytes())
                .isInstanceOf(IOException.class).hasMessageContaining("byte array length");
        byte[] formatRef = {0, 0, 0, 3};
        assertThatThrownBy(() -> new StateInput(new ByteArrayInputStream(formatRef)).readRecord())
                .isInstanceOf(IOException.class).hasMessageContaining("unknown format number 3");
        assertThatThrownBy(() -> new StateInput(new ByteArrayInputStream(negative)).readCount(10))
                .isInstanceOf(IOException.class).hasMessageContaining("count");
    }
}
