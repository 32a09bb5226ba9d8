package io.flowwatch.plugin.rules.pattern;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a raw log line into fields the way CloudWatch Logs does for space-delimited patterns:
 * fields are separated by spaces, and "the characters between a pair of square brackets [] or
 * two double quotes are treated as a single field" (CloudWatch Logs user guide, Filter and
 * Pattern Syntax); the brackets or quotes themselves are not part of the field's value, as the
 * guide's extracted-fields example shows ({@code "$4": "10/Oct/2000:13:25:15 -0700"}).
 *
 * <p>Judgment calls where the guide is silent: a run of spaces separates like one space and
 * leading/trailing spaces make no empty field; a group that is never closed runs to the end of
 * the line; a group ends at its closing character even when more text follows without a space.
 *
 * <p>Only for {@link FilterPattern#matchesLine}: records are matched on their columns directly.
 */
final class LineFields {

    private LineFields() {
    }

    static List<String> split(String line) {
        List<String> out = new ArrayList<>(16);
        int n = line.length();
        int i = 0;
        while (i < n) {
            char c = line.charAt(i);
            if (c == ' ') {
                i++;
                continue;
            }
            if (c == '[' || c == '"') {
                int close = line.indexOf(c == '[' ? ']' : '"', i + 1);
                if (close < 0) {
                    out.add(line.substring(i + 1));
                    i = n;
                } else {
                    out.add(line.substring(i + 1, close));
                    i = close + 1;
                }
                continue;
            }
            int end = line.indexOf(' ', i);
            if (end < 0) {
                end = n;
            }
            out.add(line.substring(i, end));
            i = end;
        }
        return out;
    }
}
