package io.flowwatch.api.record;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A record keeps numbers and texts in arrays sized by its format, not one slot per column in
 * both: every way of building one must read back the same values, column by column.
 */
class FlowRecordLayoutTest {

    static final FlowFormat F = FlowFormat.DEFAULT;

    @Test
    void theDefaultFormatNeedsTenNumbersAndSixTexts() {
        // 8 numeric columns plus the IPv4 codes of srcaddr and dstaddr; account-id, interface-id,
        // srcaddr, dstaddr, action and log-status as text.
        assertThat(F.numberSlots()).isEqualTo(10);
        assertThat(F.textSlots()).isEqualTo(6);
        int src = F.indexOf(FlowField.SRCADDR);
        assertThat(F.numberSlot(src)).isNotNegative();
        assertThat(F.textSlot(src)).isNotNegative();
        assertThat(F.numberSlot(F.indexOf(FlowField.ACTION))).isEqualTo(-1);
        assertThat(F.textSlot(F.indexOf(FlowField.BYTES))).isEqualTo(-1);
    }

    @Test
    void everyWayOfBuildingARecordReadsBackTheSameValues() {
        FlowRecord built = FlowRecord.builder(F).set(FlowField.VERSION, 2).set(FlowField.ACCOUNT_ID, "123456789010")
                .set(FlowField.INTERFACE_ID, "eni-1235b8ca123456789").set(FlowField.SRCADDR, "172.31.16.139")
                .set(FlowField.DSTADDR, "2001:db8::1").set(FlowField.SRCPORT, 20641).set(FlowField.DSTPORT, 22)
                .set(FlowField.PROTOCOL, 6).set(FlowField.PACKETS, 20).set(FlowField.BYTES, 4249)
                .set(FlowField.START, 1418530010).set(FlowField.END, 1418530070).set(FlowField.ACTION, "ACCEPT")
                .build(); // log-status absent

        long[] numbers = new long[F.size()];
        String[] strings = new String[F.size()];
        for (int col = 0; col < F.size(); col++) {
            if (F.isNumeric(col)) {
                numbers[col] = built.longAt(col);
            } else {
                strings[col] = built.stringAt(col);
            }
        }
        FlowRecord byColumns = FlowRecord.ofColumns(F, numbers, strings, FlowRecord.ABSENT);

        long[] slotNumbers = new long[F.numberSlots()];
        String[] slotTexts = new String[F.textSlots()];
        for (int col = 0; col < F.size(); col++) {
            if (F.isNumeric(col)) {
                slotNumbers[F.numberSlot(col)] = numbers[col];
            } else {
                slotTexts[F.textSlot(col)] = strings[col]; // address codes left 0: worked out from the text
            }
        }
        FlowRecord bySlots = FlowRecord.ofSlots(F, slotNumbers, slotTexts, FlowRecord.ABSENT);

        for (FlowRecord r : List.of(byColumns, bySlots)) {
            for (int col = 0; col < F.size(); col++) {
                assertThat(r.valueAt(col)).as("column %s", F.column(col).name()).isEqualTo(built.valueAt(col));
                assertThat(r.isPresent(col)).isEqualTo(built.isPresent(col));
                assertThat(r.longAt(col)).isEqualTo(built.longAt(col));
                assertThat(r.ipv4At(col)).isEqualTo(built.ipv4At(col));
            }
            assertThat(r.toLine()).isEqualTo("2 123456789010 eni-1235b8ca123456789 172.31.16.139 2001:db8::1 20641 22 6 20 4249 "
                    + "1418530010 1418530070 ACCEPT -");
            assertThat(r.eventTime()).isEqualTo(1418530010L);
        }
        assertThat(bySlots.ipv4At(F.indexOf(FlowField.SRCADDR))).isEqualTo(0xac1f108bL);
        assertThat(bySlots.ipv4At(F.indexOf(FlowField.DSTADDR))).isEqualTo(-1); // IPv6
    }

    @Test
    void textColumnsHaveNoNumberAndNumericColumnsNoneMissing() {
        FlowRecord r = FlowRecord.builder(F).set(FlowField.SRCADDR, "10.0.0.1").set(FlowField.ACTION, "REJECT").build();
        assertThat(r.longAt(F.indexOf(FlowField.SRCADDR))).as("an address is text").isEqualTo(FlowRecord.ABSENT);
        assertThat(r.longAt(F.indexOf(FlowField.ACTION))).isEqualTo(FlowRecord.ABSENT);
        assertThat(r.getLong(FlowField.BYTES)).isEqualTo(FlowRecord.ABSENT);
        assertThat(r.isPresent(F.indexOf(FlowField.BYTES))).isFalse();
        assertThat(r.getString(FlowField.ACTION)).isEqualTo("REJECT");
    }

    @Test
    void arraysOfTheWrongShapeAreRefused() {
        assertThatThrownBy(() -> FlowRecord.ofSlots(F, new long[F.size()], new String[F.size()], FlowRecord.ABSENT))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FlowRecord.ofColumns(F, new long[F.numberSlots()], new String[F.textSlots()], FlowRecord.ABSENT))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
