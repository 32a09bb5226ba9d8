package io.flowwatch.plugin.athena;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AthenaStatementTest {

    static final String T = "\"default\".\"vpc_flow_logs\"";
    static final String CTE = "flow_logs AS (SELECT * FROM " + T + ")";

    @Test
    void placeholdersBecomePositionalParametersInOrderOfAppearance() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("b", 2L);
        p.put("a", "x");
        AthenaStatement st = AthenaStatement.prepare("SELECT * FROM flow_logs WHERE a = ${a} AND b = ${b} OR a = ${a}", p, T);
        assertThat(st.sql()).isEqualTo("WITH " + CTE + "\nSELECT * FROM flow_logs WHERE a = ? AND b = ? OR a = ?");
        assertThat(st.parameters()).containsExactly("'x'", "2", "'x'");
    }

    @Test
    void textInsideQuotesAndCommentsIsLeftAlone() {
        AthenaStatement st = AthenaStatement.prepare(
                "-- ${a} in a comment?\nSELECT '${a} ?', \"${a}\" /* ${a} ? */ FROM flow_logs WHERE x = ${a}", Map.of("a", 1), T);
        assertThat(st.sql()).endsWith("-- ${a} in a comment?\nSELECT '${a} ?', \"${a}\" /* ${a} ? */ FROM flow_logs WHERE x = ?");
        assertThat(st.parameters()).containsExactly("1");
    }

    @Test
    void literalsFollowAthenaRules() {
        assertThat(AthenaStatement.literal("v", "O'Brien")).isEqualTo("'O''Brien'");
        assertThat(AthenaStatement.literal("v", "")).isEqualTo("''");
        assertThat(AthenaStatement.literal("v", 42)).isEqualTo("42");
        assertThat(AthenaStatement.literal("v", -7L)).isEqualTo("-7");
        assertThat(AthenaStatement.literal("v", 1.5)).isEqualTo("1.5E0");
        assertThat(AthenaStatement.literal("v", 1e20)).isEqualTo("1.0E20");
        assertThat(AthenaStatement.literal("v", new BigDecimal("12.50"))).isEqualTo("12.50");
        assertThat(AthenaStatement.literal("v", true)).isEqualTo("TRUE");
        assertThat(AthenaStatement.literal("v", null)).isEqualTo("NULL");
        assertThat(AthenaStatement.literal("v", Instant.parse("2024-05-01T10:00:00.5Z"))).isEqualTo("TIMESTAMP '2024-05-01 10:00:00.500'");
        assertThat(AthenaStatement.literal("v", LocalDate.of(2024, 5, 1))).isEqualTo("DATE '2024-05-01'");
        assertThatThrownBy(() -> AthenaStatement.literal("v", Double.NaN)).hasMessageContaining("${v}");
        assertThatThrownBy(() -> AthenaStatement.literal("v", List.of(1))).hasMessageContaining("${v} is a");
    }

    @Test
    void theCommonTableIsDefinedInFrontOfQueriesOnly() {
        assertThat(AthenaStatement.withFlowLogs("  select 1", T)).isEqualTo("WITH " + CTE + "\n  select 1");
        assertThat(AthenaStatement.withFlowLogs("(SELECT 1)", T)).isEqualTo("WITH " + CTE + "\n(SELECT 1)");
        assertThat(AthenaStatement.withFlowLogs("/* c */ WITH x AS (SELECT 1) SELECT * FROM x", T))
                .isEqualTo("/* c */ WITH " + CTE + ", x AS (SELECT 1) SELECT * FROM x");
        assertThat(AthenaStatement.withFlowLogs("with recursive x(n) AS (SELECT 1) SELECT * FROM x", T))
                .isEqualTo("with recursive " + CTE + ", x(n) AS (SELECT 1) SELECT * FROM x");
        assertThat(AthenaStatement.withFlowLogs("SHOW PARTITIONS vpc_flow_logs", T)).isEqualTo("SHOW PARTITIONS vpc_flow_logs");
    }

    @Test
    void malformedInputIsRefusedWithItsPlace() {
        assertThatThrownBy(() -> AthenaStatement.prepare("SELECT 1 WHERE a = ?", Map.of(), T))
                .hasMessageContaining("a bare ? at character 20");
        assertThatThrownBy(() -> AthenaStatement.prepare("SELECT ${a b}", Map.of(), T)).hasMessageContaining("malformed placeholder at character 8");
        assertThatThrownBy(() -> AthenaStatement.prepare("SELECT ${nope}", Map.of("a", 1, "b", 2), T))
                .hasMessageContaining("no value for parameter ${nope} (given: a, b)");
        assertThatThrownBy(() -> AthenaStatement.prepare("SELECT 'abc", Map.of(), T)).hasMessageContaining("unterminated string literal");
        assertThatThrownBy(() -> AthenaStatement.prepare("   ", Map.of(), T)).hasMessageContaining("empty");
    }
}
