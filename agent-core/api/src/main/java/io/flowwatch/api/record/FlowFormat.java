package io.flowwatch.api.record;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The ordered list of columns of a flow-log record: the default format, a custom format
 * written in AWS's {@code ${field} ${field} ...} syntax, or the header line of an S3 object.
 *
 * <p>Column names AWS does not document (newer fields, transit-gateway fields) are kept as
 * string columns under their own name. Immutable and thread-safe.
 */
public final class FlowFormat {

    /** A column: its name as written, the known field it names (or null), its type. */
    public record Column(String name, FlowField field) {
        public Column {
            Objects.requireNonNull(name, "name");
        }

        public FlowField.Type type() {
            return field == null ? FlowField.Type.STRING : field.type();
        }

        /** SQL/CEL identifier: hyphens become underscores. */
        public String columnName() {
            return name.replace('-', '_');
        }
    }

    /** Version-2 default format: exactly these 14 fields in this order. */
    public static final FlowFormat DEFAULT = of(List.of(
            "version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport", "dstport",
            "protocol", "packets", "bytes", "start", "end", "action", "log-status"));

    private final List<Column> columns;
    private final int[] indexByField;
    private final String spec;
    private final boolean[] address;
    /** Per column: numeric type. Read for every value a rule looks at, so kept flat. */
    private final boolean[] numeric;
    private final int[] addressColumns;
    /*
     * Where a record keeps each column's value: numbers (and the IPv4 code of each address) in one
     * long[], text in one String[], each sized to what the format needs rather than one slot per
     * column in both (168 bytes per default-format record instead of 232; records are the bulk of
     * what the parser allocates and the rules read).
     */
    private final int[] numberSlot;
    private final int[] textSlot;
    /** numberSlot of numeric columns only, -1 for the others: {@link FlowRecord#longAt} in one load. */
    private final int[] valueSlot;
    private final int numberSlots;
    private final int textSlots;
    /** Formats key maps per record (e.g. checkpoints); the column list's hash is computed once. */
    private final int hash;

    private FlowFormat(List<Column> columns) {
        this.columns = List.copyOf(columns);
        this.hash = this.columns.hashCode();
        this.indexByField = new int[FlowField.values().length];
        Arrays.fill(indexByField, -1);
        for (int i = 0; i < this.columns.size(); i++) {
            FlowField f = this.columns.get(i).field();
            if (f != null && indexByField[f.ordinal()] < 0) {
                indexByField[f.ordinal()] = i;
            }
        }
        StringBuilder sb = new StringBuilder();
        for (Column c : this.columns) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append("${").append(c.name()).append('}');
        }
        this.spec = sb.toString();
        this.address = new boolean[this.columns.size()];
        this.numeric = new boolean[this.columns.size()];
        int n = 0;
        for (int i = 0; i < address.length; i++) {
            FlowField f = this.columns.get(i).field();
            address[i] = f == FlowField.SRCADDR || f == FlowField.DSTADDR || f == FlowField.PKT_SRCADDR
                    || f == FlowField.PKT_DSTADDR;
            n += address[i] ? 1 : 0;
            numeric[i] = this.columns.get(i).type().numeric();
        }
        this.addressColumns = new int[n];
        for (int i = 0, k = 0; i < address.length; i++) {
            if (address[i]) {
                addressColumns[k++] = i;
            }
        }
        this.numberSlot = new int[address.length];
        this.textSlot = new int[address.length];
        this.valueSlot = new int[address.length];
        int numbers = 0;
        int texts = 0;
        for (int i = 0; i < address.length; i++) {
            numberSlot[i] = numeric[i] || address[i] ? numbers++ : -1;
            textSlot[i] = numeric[i] ? -1 : texts++;
            valueSlot[i] = numeric[i] ? numberSlot[i] : -1;
        }
        this.numberSlots = numbers;
        this.textSlots = texts;
    }

    /** A format from plain field names; names must be valid field-name tokens and unique. */
    public static FlowFormat of(List<String> names) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("a flow-log format needs at least one field");
        }
        Set<String> seen = new HashSet<>();
        List<Column> cols = new ArrayList<>(names.size());
        for (String n : names) {
            if (!isFieldNameToken(n)) {
                throw new IllegalArgumentException("'" + n + "' is not a flow-log field name");
            }
            if (!seen.add(n)) {
                throw new IllegalArgumentException("field '" + n + "' appears twice");
            }
            cols.add(new Column(n, FlowField.byAwsName(n).orElse(null)));
        }
        return new FlowFormat(cols);
    }

    /**
     * Parses AWS's custom-format syntax, e.g. {@code ${version} ${vpc-id} ${srcaddr}}. Fields are
     * separated by one or more spaces. Throws {@link IllegalArgumentException} whose message
     * names the character position of the problem.
     */
    public static FlowFormat parse(String spec) {
        Objects.requireNonNull(spec, "spec");
        List<String> names = new ArrayList<>();
        int i = 0;
        int n = spec.length();
        while (i < n) {
            char c = spec.charAt(i);
            if (c == ' ' || c == '\t') {
                i++;
                continue;
            }
            if (c != '$' || i + 1 >= n || spec.charAt(i + 1) != '{') {
                throw new IllegalArgumentException("at position " + (i + 1) + ": expected ${field-name}");
            }
            int close = spec.indexOf('}', i + 2);
            if (close < 0) {
                throw new IllegalArgumentException("at position " + (i + 1) + ": '${' is never closed by '}'");
            }
            String name = spec.substring(i + 2, close);
            if (!isFieldNameToken(name)) {
                throw new IllegalArgumentException("at position " + (i + 3) + ": '" + name + "' is not a field name");
            }
            if (names.contains(name)) {
                throw new IllegalArgumentException("at position " + (i + 3) + ": field '" + name + "' appears twice");
            }
            names.add(name);
            i = close + 1;
            if (i < n && spec.charAt(i) != ' ' && spec.charAt(i) != '\t') {
                throw new IllegalArgumentException("at position " + (i + 1) + ": expected a space between fields");
            }
        }
        if (names.isEmpty()) {
            throw new IllegalArgumentException("a flow-log format needs at least one ${field}");
        }
        return of(names);
    }

    /**
     * Recognises the header line S3 text objects start with ("version account-id ..."): every
     * token is a field-name token and at least one of them is a field AWS documents. Record
     * values never look like that: numbers, addresses, ids with digits, upper-case words.
     */
    public static Optional<FlowFormat> fromHeaderLine(CharSequence line) {
        String s = line.toString().strip();
        if (s.isEmpty()) {
            return Optional.empty();
        }
        String[] tokens = s.split("[ \t]+");
        boolean anyKnown = false;
        for (String t : tokens) {
            if (!isFieldNameToken(t)) {
                return Optional.empty();
            }
            anyKnown |= FlowField.byAwsName(t).isPresent();
        }
        if (!anyKnown || new HashSet<>(Arrays.asList(tokens)).size() != tokens.length) {
            return Optional.empty();
        }
        return Optional.of(of(Arrays.asList(tokens)));
    }

    /** Lower-case letter first, then lower-case letters, digits and hyphens. */
    static boolean isFieldNameToken(String s) {
        if (s.isEmpty() || s.length() > 128) {
            return false;
        }
        char first = s.charAt(0);
        if (first < 'a' || first > 'z') {
            return false;
        }
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
                return false;
            }
        }
        return true;
    }

    public List<Column> columns() {
        return columns;
    }

    public int size() {
        return columns.size();
    }

    public Column column(int index) {
        return columns.get(index);
    }

    /** Index of the column holding {@code field}, or -1 when the format lacks it. */
    public int indexOf(FlowField field) {
        return indexByField[field.ordinal()];
    }

    /** Index of the column with this AWS name (known or not), or -1. */
    public int indexOf(String awsName) {
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).name().equals(awsName)) {
                return i;
            }
        }
        return -1;
    }

    /** Whether the column holds an IP address ({@code srcaddr}, {@code dstaddr}, {@code pkt-srcaddr}, {@code pkt-dstaddr}). */
    public boolean isAddressColumn(int column) {
        return address[column];
    }

    /** Whether the column holds a number (its value is a {@code long}) rather than text. */
    public boolean isNumeric(int column) {
        return numeric[column];
    }

    /**
     * A column's index among a record's numbers: numeric columns keep their value there, address
     * columns their IPv4 code (see {@link FlowRecord#ofSlots}); -1 for other text columns.
     */
    public int numberSlot(int column) {
        return numberSlot[column];
    }

    /** A column's index among a record's texts; -1 for numeric columns. */
    public int textSlot(int column) {
        return textSlot[column];
    }

    /** {@link #numberSlot} of a numeric column; -1 for text columns, addresses too. */
    int valueSlot(int column) {
        return valueSlot[column];
    }

    /** How many numbers a record of this format holds: one per numeric column and one per address column. */
    public int numberSlots() {
        return numberSlots;
    }

    /** How many texts a record of this format holds (every column that is not numeric). */
    public int textSlots() {
        return textSlots;
    }

    /** The address columns, in order (shared: do not modify). */
    int[] addressColumns() {
        return addressColumns;
    }

    public boolean has(FlowField field) {
        return indexOf(field) >= 0;
    }

    /** The record version implied by the format: the highest version among its known fields. */
    public int version() {
        int v = 2;
        for (Column c : columns) {
            if (c.field() != null) {
                v = Math.max(v, c.field().version());
            }
        }
        return v;
    }

    /** The format in AWS's {@code ${field}} syntax. */
    public String spec() {
        return spec;
    }

    @Override
    public boolean equals(Object o) {
        return o == this || o instanceof FlowFormat f && f.hash == hash && f.columns.equals(columns);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return spec;
    }
}
