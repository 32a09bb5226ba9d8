package io.flowwatch.plugin.rules.pattern;

import java.util.ArrayList;
import java.util.List;

/**
 * Recursive-descent parser for CloudWatch Logs filter patterns, as far as they apply to
 * space-delimited flow-log lines: bracket patterns and term patterns. Every error names the
 * 0-based position and what was expected there.
 *
 * <pre>{@code
 * pattern   := ws* ( bracket | terms )? ws*
 * bracket   := '[' field ( ',' field )* ']'
 * field     := ws* ( '...' | name | name cmp (('&&' | '||') name cmp)* | ε ) ws*
 * cmp       := ws* op ws* value          op := '=' | '!=' | '<' | '<=' | '>' | '>='
 * value     := quoted | [^ \t\r\n,\]&|]+
 * terms     := ( ('-' | '?')? ws* (word | quoted) )*   word := [A-Za-z0-9_]+
 * quoted    := '"' ( [^"\\] | '\"' | '\\' | '\' )* '"'
 * }</pre>
 *
 * Names are letters, digits, {@code _} and {@code -} (what AWS CDK's {@code validColumnName}
 * accepts for space-delimited columns). Quoted strings escape {@code "} and {@code \} with a
 * backslash, as CDK's {@code quoteTerm} writes them. All conditions in one field must name that
 * field (AWS rejects {@code status_code = 4* && bytes > 1000}). At most one {@code ...} (CDK:
 * "Can use at most one '...' column"). An empty field ({@code [..., request, status,]}) is an unnamed field with no
 * condition, as in the guide's example whose trailing comma yields field {@code $7}.
 */
final class PatternParser {

    private final String s;
    private int pos;

    private PatternParser(String s) {
        this.s = s;
    }

    static CompiledPattern parse(String text) {
        PatternParser p = new PatternParser(text);
        p.skipWs();
        if (p.atEnd()) {
            return TermPattern.EVERYTHING;
        }
        char c = p.peek();
        if (c == '[') {
            return p.bracket();
        }
        if (c == '{') {
            throw p.error("expected '[' or a term: JSON patterns ({ $.field = ... }) do not apply to flow-log lines");
        }
        if (c == '%') {
            throw p.error("expected '[' or a term: regular-expression patterns (%...%) are not supported");
        }
        return p.terms();
    }

    // ---- bracket patterns ----

    private DelimitedPattern bracket() {
        int open = pos;
        pos++; // '['
        List<String> names = new ArrayList<>();
        List<ValueTest[][]> conditions = new ArrayList<>();
        int ellipsis = -1;
        while (true) {
            skipWs();
            int fieldStart = pos;
            if (s.startsWith("...", pos)) {
                if (ellipsis >= 0) {
                    throw error("expected a field name: only one '...' is allowed");
                }
                pos += 3;
                ellipsis = names.size();
                names.add(null);
                conditions.add(null);
            } else if (atEnd() || peek() == ',' || peek() == ']') {
                names.add(null);
                conditions.add(null);
            } else {
                field(names, conditions);
            }
            skipWs();
            if (atEnd()) {
                throw error("expected ',' or ']' (the '[' at position " + open + " is never closed)");
            }
            char c = peek();
            if (c == ']') {
                if (names.size() == 1 && names.get(0) == null && ellipsis < 0) {
                    throw new FilterPatternException("expected a field name or '...'", fieldStart);
                }
                pos++;
                break;
            }
            if (c != ',') {
                throw error("expected ',' or ']'");
            }
            pos++;
        }
        skipWs();
        if (!atEnd()) {
            throw error("expected the end of the pattern after ']'");
        }
        return new DelimitedPattern(names, conditions, ellipsis);
    }

    private void field(List<String> names, List<ValueTest[][]> conditions) {
        String name = name("expected a field name, '...', ',' or ']'");
        skipWs();
        if (atEnd() || peek() == ',' || peek() == ']') {
            names.add(name);
            conditions.add(null);
            return;
        }
        List<ValueTest[]> anyOf = new ArrayList<>();
        List<ValueTest> allOf = new ArrayList<>();
        allOf.add(comparison(name));
        while (true) {
            skipWs();
            boolean and = s.startsWith("&&", pos);
            if (!and && !s.startsWith("||", pos)) {
                break;
            }
            pos += 2;
            if (!and) {
                anyOf.add(allOf.toArray(new ValueTest[0]));
                allOf = new ArrayList<>();
            }
            skipWs();
            int at = pos;
            String again = name("expected the field name '" + name + "' after '" + (and ? "&&" : "||") + "'");
            if (!again.equals(name)) {
                throw new FilterPatternException("expected the field name '" + name
                        + "': conditions in one field must all name that field", at);
            }
            allOf.add(comparison(name));
        }
        anyOf.add(allOf.toArray(new ValueTest[0]));
        names.add(name);
        conditions.add(anyOf.toArray(new ValueTest[0][]));
    }

    private String name(String expected) {
        int start = pos;
        while (!atEnd() && isNameChar(peek())) {
            pos++;
        }
        if (pos == start) {
            throw error(expected);
        }
        return s.substring(start, pos);
    }

    private static boolean isNameChar(char c) {
        return TermPattern.isWordChar(c) || c == '-';
    }

    private ValueTest comparison(String name) {
        skipWs();
        ValueTest.Op op = op();
        if (op == null) {
            throw error("expected '=', '!=', '<', '<=', '>' or '>=' after the field name '" + name + "'");
        }
        skipWs();
        int at = pos;
        String value;
        if (!atEnd() && peek() == '"') {
            value = quoted();
        } else {
            while (!atEnd() && !isValueEnd(peek())) {
                pos++;
            }
            if (pos == at) {
                throw error("expected a value after '" + op.symbol + "'");
            }
            value = s.substring(at, pos);
            if (value.length() > 1 && value.charAt(0) == '%') {
                throw new FilterPatternException("expected a value: regular expressions (%...%) are not supported", at);
            }
        }
        boolean number = Numbers.isNumber(value);
        if (op != ValueTest.Op.EQ && op != ValueTest.Op.NE) {
            if (!number) {
                throw new FilterPatternException("expected a number after '" + op.symbol + "'", at);
            }
            return new ValueTest.Compare(op, value);
        }
        if (value.indexOf('*') >= 0) {
            return new ValueTest.Glob(value, op == ValueTest.Op.NE);
        }
        return number ? new ValueTest.Compare(op, value) : new ValueTest.Equals(value, op == ValueTest.Op.NE);
    }

    private ValueTest.Op op() {
        if (atEnd()) {
            return null;
        }
        char c = peek();
        char next = pos + 1 < s.length() ? s.charAt(pos + 1) : 0;
        if (c == '!' && next == '=') {
            pos += 2;
            return ValueTest.Op.NE;
        }
        if (c == '=') {
            pos++;
            return ValueTest.Op.EQ;
        }
        if (c == '<' || c == '>') {
            boolean eq = next == '=';
            pos += eq ? 2 : 1;
            return c == '<' ? (eq ? ValueTest.Op.LE : ValueTest.Op.LT) : (eq ? ValueTest.Op.GE : ValueTest.Op.GT);
        }
        return null;
    }

    private static boolean isValueEnd(char c) {
        return isWs(c) || c == ',' || c == ']' || c == '&' || c == '|';
    }

    // ---- term patterns ----

    private TermPattern terms() {
        List<TermPattern.Term> required = new ArrayList<>();
        List<TermPattern.Term> excluded = new ArrayList<>();
        List<TermPattern.Term> anyOf = new ArrayList<>();
        while (true) {
            skipWs();
            if (atEnd()) {
                break;
            }
            char prefix = peek();
            List<TermPattern.Term> into = required;
            if (prefix == '-' || prefix == '?') {
                into = prefix == '-' ? excluded : anyOf;
                pos++;
                skipWs(); // the old guide writes "ERROR" - "Exiting"
                if (atEnd()) {
                    throw error("expected a term after '" + prefix + "'");
                }
            }
            String text;
            if (peek() == '"') {
                text = quoted();
            } else {
                int start = pos;
                while (!atEnd() && TermPattern.isWordChar(peek())) {
                    pos++;
                }
                if (pos == start) {
                    throw error("expected a term (letters, digits and '_') or a \"quoted phrase\"");
                }
                text = s.substring(start, pos);
            }
            if (!atEnd() && !isWs(peek())) {
                throw error("expected a space after the term '" + text
                        + "' (put terms with other characters than letters, digits and '_' in double quotes)");
            }
            into.add(new TermPattern.Term(text));
        }
        return new TermPattern(required, excluded, anyOf);
    }

    // ---- shared ----

    /** A double-quoted string; {@code \"} and {@code \\} are escapes, any other backslash is literal. */
    private String quoted() {
        int open = pos;
        pos++;
        StringBuilder sb = new StringBuilder();
        while (!atEnd()) {
            char c = peek();
            if (c == '\\' && pos + 1 < s.length() && (s.charAt(pos + 1) == '"' || s.charAt(pos + 1) == '\\')) {
                sb.append(s.charAt(pos + 1));
                pos += 2;
            } else if (c == '"') {
                pos++;
                return sb.toString();
            } else {
                sb.append(c);
                pos++;
            }
        }
        throw error("expected '\"' to close the quote opened at position " + open);
    }

    private boolean atEnd() {
        return pos >= s.length();
    }

    private char peek() {
        return s.charAt(pos);
    }

    private void skipWs() {
        while (!atEnd() && isWs(peek())) {
            pos++;
        }
    }

    private static boolean isWs(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
    }

    private FilterPatternException error(String expected) {
        return new FilterPatternException(expected, pos);
    }
}
