package io.flowwatch.api.record;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class FlowRecordAddressTest {

    static FlowRecord withSrc(String src) {
        return FlowRecord.builder(FlowFormat.DEFAULT).set(FlowField.SRCADDR, src).set(FlowField.BYTES, 5_000_000_000L).build();
    }

    @Test
    void addressColumnsCarryTheirIpv4Value() {
        assertThat(withSrc("10.1.2.3").ipv4At(FlowFormat.DEFAULT.indexOf(FlowField.SRCADDR))).isEqualTo(0x0a010203L);
        assertThat(withSrc("255.255.255.255").ipv4At(3)).isEqualTo(0xffffffffL);
        assertThat(withSrc("0.0.0.0").ipv4At(3)).isZero();
    }

    @Test
    void anythingButACanonicalDottedQuadHasNone() {
        for (String s : new String[]{"2001:db8::1", "::ffff:10.0.0.1", "010.0.0.1", "10.0.0", "10.0.0.1.2", "256.0.0.1",
                "10.0.0.1 ", "1.2.3.4x", "", "-", "10.0.0.\u0661", "10.0.\u0130.1"}) {
            assertThat(withSrc(s).ipv4At(3)).as(s).isEqualTo(-1);
        }
        assertThat(withSrc(null).ipv4At(3)).as("absent").isEqualTo(-1);
    }

    @Test
    void otherColumnsHaveNoneEvenWhenTheirNumberLooksLikeOne() {
        FlowRecord r = withSrc("10.1.2.3");
        assertThat(r.ipv4At(FlowFormat.DEFAULT.indexOf(FlowField.BYTES))).as("bytes = 5e9").isEqualTo(-1);
        assertThat(r.ipv4At(FlowFormat.DEFAULT.indexOf(FlowField.ACTION))).isEqualTo(-1);
    }

    @Test
    void theByteAndTextFormsAgree() {
        for (String s : new String[]{"192.168.0.1", "1.2.3.4", "01.2.3.4", "1.2.3", "300.1.1.1", "a.b.c.d", "9.9.9.9"}) {
            byte[] b = (" " + s + " ").getBytes(StandardCharsets.US_ASCII);
            assertThat(FlowRecord.ipv4Code(b, 1, b.length - 1)).as(s).isEqualTo(FlowRecord.ipv4Code(s));
        }
    }

    @Test
    void aCallerCannotSmuggleAWrongValueIntoAnAddressColumn() {
        long[] numbers = new long[FlowFormat.DEFAULT.size()];
        String[] strings = new String[FlowFormat.DEFAULT.size()];
        strings[3] = "10.0.0.1";
        numbers[3] = 12345; // not a code: recomputed from the text
        assertThat(FlowRecord.ofColumns(FlowFormat.DEFAULT, numbers, strings, FlowRecord.ABSENT).ipv4At(3)).isEqualTo(0x0a000001L);
    }
}
