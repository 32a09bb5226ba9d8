package io.flowwatch.plugin.rules.predicate;

import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.flowwatch.api.config.ConfigReader;
import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * {@code match { action = REJECT, dstport = [22, 3389] }}: every listed field must equal the value
 * (or one of the values). Values compare as text, so {@code dstport = 22} and {@code "22"} agree.
 */
public final class RecordMatch implements RecordCondition {

    /** {@code numbers} holds the values that are integers, for comparing numeric columns without boxing. */
    private record Condition(String field, Set<String> values, long[] numbers) {
        static Condition of(String field, Set<String> values) {
            return new Condition(field, values, values.stream().filter(v -> v.matches("\\d{1,18}"))
                    .mapToLong(Long::parseLong).toArray());
        }

        boolean matchesNumber(long v) {
            for (long n : numbers) {
                if (n == v) {
                    return true;
                }
            }
            return false;
        }
    }

    private final List<Condition> conditions;
    // Column of each condition in the last format seen: formats change rarely (per object at most).
    private FlowFormat cachedFormat;
    private int[] columns;

    private RecordMatch(List<Condition> conditions) {
        this.conditions = List.copyOf(conditions);
    }

    public static RecordMatch all() {
        return new RecordMatch(List.of());
    }

    public static RecordMatch from(ConfigReader r, String key) {
        if (!r.has(key)) {
            return all();
        }
        List<Condition> conditions = new ArrayList<>();
        try {
            for (Map.Entry<String, ConfigValue> e : r.config().getObject(key).entrySet()) {
                ConfigValue v = e.getValue();
                Set<String> values;
                if (v.valueType() == ConfigValueType.LIST) {
                    values = new java.util.HashSet<>();
                    for (Object o : (List<?>) v.unwrapped()) {
                        values.add(String.valueOf(o));
                    }
                } else if (v.valueType() == ConfigValueType.OBJECT || v.valueType() == ConfigValueType.NULL) {
                    r.problem(key + "." + e.getKey(), "expected a value or a list of values");
                    continue;
                } else {
                    values = Set.of(String.valueOf(v.unwrapped()));
                }
                conditions.add(Condition.of(e.getKey(), Set.copyOf(values)));
            }
        } catch (com.typesafe.config.ConfigException.WrongType e) {
            r.problem(key, "expected an object of field = value, e.g. { action = REJECT, dstport = 22 }");
        }
        return new RecordMatch(conditions);
    }

    @Override
    public boolean test(FlowRecord r) {
        FlowFormat f = r.format();
        if (f != cachedFormat) {
            columns = new int[conditions.size()];
            for (int i = 0; i < columns.length; i++) {
                columns[i] = f.indexOf(conditions.get(i).field());
            }
            cachedFormat = f;
        }
        for (int i = 0; i < columns.length; i++) {
            int col = columns[i];
            if (col < 0 || !r.isPresent(col)) {
                return false;
            }
            Condition c = conditions.get(i);
            boolean ok = f.isNumeric(col) ? c.matchesNumber(r.longAt(col)) : c.values().contains(r.stringAt(col));
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
