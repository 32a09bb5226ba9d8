package io.flowwatch.plugin.rules.cel;

import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static io.flowwatch.plugin.rules.cel.Records.flow;
import static io.flowwatch.plugin.rules.cel.Records.line;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CelConditionTest {

    private static final FlowRecord SSH_REJECT = flow("203.0.113.12", "172.31.16.139", 22, 6, "REJECT");
    private static final FlowRecord HTTPS_ACCEPT = flow("172.31.16.139", "203.0.113.12", 443, 6, "ACCEPT");

    @Test
    void designExampleSshBruteForceMatchesRejectedSshOnly() {
        CelCondition c = CelCondition.compile("action == 'REJECT' && dstport == 22 && protocol == 6");
        assertThat(c.test(SSH_REJECT)).isTrue();
        assertThat(c.test(HTTPS_ACCEPT)).isFalse();
        assertThat(c.test(flow("203.0.113.12", "172.31.16.139", 22, 17, "REJECT"))).isFalse();
        assertThat(c.test(flow("203.0.113.12", "172.31.16.139", 2222, 6, "REJECT"))).isFalse();
        assertThat(c.expression()).isEqualTo("action == 'REJECT' && dstport == 22 && protocol == 6");
    }

    @Test
    void designExamplePortScanMatchesEveryReject() {
        CelCondition c = CelCondition.compile("action == 'REJECT'");
        assertThat(c.test(SSH_REJECT)).isTrue();
        assertThat(c.test(HTTPS_ACCEPT)).isFalse();
    }

    @Test
    void designExampleInCidr() {
        CelCondition c = CelCondition.compile("in_cidr(srcaddr, \"10.0.0.0/8\")");
        assertThat(c.test(flow("10.1.2.3", "172.31.16.139", 22, 6, "REJECT"))).isTrue();
        assertThat(c.test(flow("11.1.2.3", "172.31.16.139", 22, 6, "REJECT"))).isFalse();
    }

    @Test
    void everyFieldOfEveryVersionIsAVariableWithHyphensAsUnderscores() {
        FlowFormat v8 = FlowFormat.parse("${version} ${log-status} ${pkt-srcaddr} ${tcp-flags} ${traffic-path}"
                + " ${ecs-task-definition-arn} ${reject-reason} ${bytes}");
        FlowRecord r = line(v8, "8 OK 10.0.0.5 18 2 arn:aws:ecs:task-def/x:1 BPA 9000000000");
        CelCondition c = CelCondition.compile("version == 8 && log_status == 'OK' && pkt_srcaddr == '10.0.0.5'"
                + " && tcp_flags == 18 && traffic_path == 2 && ecs_task_definition_arn.startsWith('arn:')"
                + " && reject_reason == 'BPA' && bytes > 4294967296");
        assertThat(c.test(r)).isTrue();
        assertThat(c.errorCount()).isZero();
    }

    @Test
    void numericFieldsAreIntAndTextFieldsAreString() {
        assertThatThrownBy(() -> CelCondition.compile("dstport == '22'"))
                .isInstanceOf(CelConditionException.class)
                .hasMessageContaining("found no matching overload for '_==_' applied to '(int, string)'");
        assertThatThrownBy(() -> CelCondition.compile("action == 1"))
                .hasMessageContaining("'(string, int)'");
        assertThat(CelCondition.compile("srcport + dstport > 100 && account_id.size() == 12").test(SSH_REJECT)).isTrue();
    }

    @Test
    void standardCelFeaturesWork() {
        assertThat(CelCondition.compile("dstport in [22, 3389] && srcaddr.startsWith('203.')").test(SSH_REJECT)).isTrue();
        assertThat(CelCondition.compile("interface_id.matches('^eni-[0-9a-f]+$')").test(SSH_REJECT)).isTrue();
        assertThat(CelCondition.compile("end - start >= 60 && bytes / packets > 200").test(SSH_REJECT)).isTrue();
    }

    // --- absent fields

    @Test
    void absentFieldMakesBothEqualityAndInequalityNoMatch() {
        FlowRecord noPort = line("2 123456789010 eni-1 203.0.113.12 172.31.16.139 - - 1 1 84 1418530010 1418530070 REJECT OK");
        assertThat(CelCondition.compile("dstport == 22").test(noPort)).isFalse();
        assertThat(CelCondition.compile("dstport != 22").test(noPort)).isFalse();
        assertThat(CelCondition.compile("!(dstport == 22)").test(noPort)).isFalse();
        assertThat(CelCondition.compile("dstport < 1024").test(noPort)).isFalse();
    }

    @Test
    void otherSideOfAndOrStillDecidesWhenAFieldIsAbsent() {
        FlowRecord noPort = line("2 123456789010 eni-1 203.0.113.12 172.31.16.139 - - 1 1 84 1418530010 1418530070 REJECT OK");
        assertThat(CelCondition.compile("action == 'REJECT' || dstport == 22").test(noPort)).isTrue();
        assertThat(CelCondition.compile("dstport == 22 || action == 'REJECT'").test(noPort)).isTrue();
        assertThat(CelCondition.compile("action == 'ACCEPT' && dstport == 22").test(noPort)).isFalse();
        assertThat(CelCondition.compile("action == 'REJECT' && dstport == 22").test(noPort)).isFalse();
    }

    @Test
    void absentFieldsAreNotCountedAsErrors() {
        FlowRecord nodata = line("2 123456789010 eni-1 - - - - - - - 1418530010 1418530070 - NODATA");
        CelCondition c = CelCondition.compile("action == 'REJECT' && in_cidr(srcaddr, '10.0.0.0/8')");
        assertThat(c.test(nodata)).isFalse();
        assertThat(c.errorCount()).isZero();
        assertThat(CelCondition.compile("log_status == 'NODATA'").test(nodata)).isTrue();
    }

    @Test
    void fieldMissingFromTheFormatIsAbsent() {
        FlowFormat noPorts = FlowFormat.parse("${srcaddr} ${dstaddr} ${action}");
        CelCondition c = CelCondition.compile("action == 'REJECT' && vpc_id == 'vpc-1'");
        assertThat(c.test(line(noPorts, "10.0.0.1 10.0.0.2 REJECT"))).isFalse();
        assertThat(c.errorCount()).isZero();
        assertThat(CelCondition.compile("action == 'REJECT' || vpc_id == 'vpc-1'")
                .test(line(noPorts, "10.0.0.1 10.0.0.2 REJECT"))).isTrue();
    }

    @Test
    void sameConditionFollowsFormatChanges() {
        CelCondition c = CelCondition.compile("dstport == 22");
        FlowFormat swapped = FlowFormat.parse("${dstport} ${srcport}");
        assertThat(c.test(line(swapped, "22 443"))).isTrue();
        assertThat(c.test(SSH_REJECT)).isTrue();
        assertThat(c.test(line(swapped, "443 22"))).isFalse();
        assertThat(c.test(line(FlowFormat.parse("${srcport}"), "22"))).isFalse();
    }

    @Test
    void hasFieldTestsPresenceInEitherSpelling() {
        FlowRecord noPort = line("2 123456789010 eni-1 203.0.113.12 172.31.16.139 - - 1 1 84 1418530010 1418530070 REJECT OK");
        assertThat(CelCondition.compile("has_field('dstport')").test(noPort)).isFalse();
        assertThat(CelCondition.compile("has_field('dstport')").test(SSH_REJECT)).isTrue();
        assertThat(CelCondition.compile("!has_field('dstport') || dstport < 1024").test(noPort)).isTrue();
        assertThat(CelCondition.compile("has_field('log-status') && has_field('log_status')").test(noPort)).isTrue();
        assertThat(CelCondition.compile("has_field('vpc_id')").test(noPort)).isFalse();
    }

    @Test
    void hasFieldRejectsUnknownAndNonLiteralNames() {
        assertThatThrownBy(() -> CelCondition.compile("has_field('dst_port')"))
                .isInstanceOf(CelConditionException.class)
                .hasMessage("expected a bool expression: ERROR: <input>:1:11: has_field: unknown field 'dst_port' (did you mean 'dstport'?)");
        assertThatThrownBy(() -> CelCondition.compile("has_field(action)"))
                .hasMessageContaining("has_field takes a field name literal");
    }

    // --- compile errors

    @Test
    void undeclaredNameIsAnErrorWithPositionAndSuggestion() {
        assertThatThrownBy(() -> CelCondition.compile("action == 'REJECT' && dst_port == 22"))
                .isInstanceOf(CelConditionException.class)
                .hasMessage("expected a bool expression: ERROR: <input>:1:23: undeclared reference to 'dst_port' (did you mean 'dstport'?)")
                .satisfies(e -> {
                    CelConditionException ce = (CelConditionException) e;
                    assertThat(ce.line()).isEqualTo(1);
                    assertThat(ce.column()).isEqualTo(23);
                });
    }

    @Test
    void errorOnALaterLineNamesThatLine() {
        assertThatThrownBy(() -> CelCondition.compile("action == 'REJECT'\n  && nosuch == 1"))
                .hasMessageContaining("<input>:2:6: undeclared reference to 'nosuch'")
                .satisfies(e -> assertThat(((CelConditionException) e).line()).isEqualTo(2));
    }

    @Test
    void nonBoolExpressionsAreRejected() {
        assertThatThrownBy(() -> CelCondition.compile("dstport + 1"))
                .isInstanceOf(CelConditionException.class)
                .hasMessage("expected a bool expression: ERROR: <input>:1:9: expected type 'bool' but found 'int'");
        assertThatThrownBy(() -> CelCondition.compile("srcaddr"))
                .hasMessageContaining("expected type 'bool' but found 'string'");
    }

    @Test
    void syntaxErrorsCarryPosition() {
        assertThatThrownBy(() -> CelCondition.compile("action == 'REJECT' &&"))
                .isInstanceOf(CelConditionException.class)
                .hasMessageStartingWith("expected a bool expression: ERROR: <input>:1:")
                .satisfies(e -> assertThat(((CelConditionException) e).column()).isGreaterThan(18));
        assertThatThrownBy(() -> CelCondition.compile("action == 'REJECT"))
                .hasMessageContaining("<input>:1:");
    }

    @Test
    void helperArgumentTypesAreChecked() {
        assertThatThrownBy(() -> CelCondition.compile("in_cidr(dstport, '10.0.0.0/8')"))
                .hasMessageContaining("found no matching overload for 'in_cidr' applied to '(int, string)'");
        assertThatThrownBy(() -> CelCondition.compile("tcp_flag(action, 'SYN')"))
                .hasMessageContaining("found no matching overload for 'tcp_flag'");
        assertThatThrownBy(() -> CelCondition.compile("is_private(srcaddr, dstaddr)"))
                .hasMessageContaining("is_private");
    }

    // --- runtime errors

    @Test
    void divisionByZeroIsCountedAndDoesNotMatch() {
        AtomicInteger counted = new AtomicInteger();
        CelCondition c = CelCondition.compile("100 / (dstport - 22) > 1", amount -> counted.addAndGet((int) amount));
        assertThat(c.test(SSH_REJECT)).isFalse();
        assertThat(c.test(SSH_REJECT)).isFalse();
        assertThat(c.test(flow("203.0.113.12", "172.31.16.139", 23, 6, "REJECT"))).isTrue();
        assertThat(c.errorCount()).isEqualTo(2);
        assertThat(counted).hasValue(2);
        assertThat(c.lastError()).contains("by zero");
    }

    @Test
    void overflowAndComputedBadCidrAreCountedWithoutACounter() {
        CelCondition overflow = CelCondition.compile("bytes * 9223372036854775807 > 0");
        assertThat(overflow.test(SSH_REJECT)).isFalse();
        assertThat(overflow.errorCount()).isEqualTo(1);

        CelCondition computed = CelCondition.compile("in_cidr(srcaddr, dstaddr + '/99')");
        assertThat(computed.test(SSH_REJECT)).isFalse();
        assertThat(computed.errorCount()).isEqualTo(1);
        assertThat(computed.lastError()).contains("prefix length must be 0 to 32");
    }

    @Test
    void errorOnTheAbsentFieldPathIsCountedToo() {
        FlowRecord noPort = line("2 123456789010 eni-1 203.0.113.12 172.31.16.139 - - 1 1 84 1418530010 1418530070 REJECT OK");
        CelCondition c = CelCondition.compile("(dstport == 22 || true) && 1 / (protocol - 1) == 0");
        assertThat(c.test(noPort)).isFalse();
        assertThat(c.errorCount()).isEqualTo(1);
    }
}
