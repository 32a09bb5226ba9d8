package io.flowwatch.plugin.slack;

import java.util.regex.Pattern;

/**
 * Escaping for Slack text. Record text (labels, summaries, samples) is untrusted: in mrkdwn,
 * {@code <...>} makes links and mentions ({@code <!channel>}, {@code <@U123>}) and {@code &}
 * starts an entity, so Slack asks for exactly {@code & < >} to be escaped. Bare broadcast words
 * ({@code @channel}, {@code @here}, {@code @everyone}) are linked by some clients too, so a word
 * joiner (U+2060, invisible) goes after their {@code @}.
 */
final class SlackText {

    private static final Pattern BROADCAST = Pattern.compile("@(?=(?i:channel|here|everyone)\\b)");
    private static final Pattern CONTROL = Pattern.compile("[\\p{Cntrl}\\u2028\\u2029]+");
    static final String WORD_JOINER = "\u2060";

    private SlackText() {
    }

    /** For mrkdwn on one line: entities escaped, mentions neutralised, line breaks and controls as one space. */
    static String inline(String raw) {
        if (raw == null) {
            return "";
        }
        return neutralise(entities(CONTROL.matcher(raw).replaceAll(" ")));
    }

    /** For the inside of a ``` block: like {@link #inline} but keeps line feeds, and no backtick can close the block. */
    static String code(String raw) {
        String s = raw.replace("\r", "").replaceAll("[\\p{Cntrl}&&[^\\n]]", " ");
        // Slack has no escape for backticks; a modifier letter grave looks the same and cannot end the block.
        return neutralise(entities(s)).replace('`', '\u02CB');
    }

    /** For plain_text objects (headers): Slack does not parse them, but keep them on one line and mention-free. */
    static String plain(String raw) {
        return neutralise(CONTROL.matcher(raw == null ? "" : raw).replaceAll(" "));
    }

    /** Cuts to at most {@code max} characters, marking the cut; Slack rejects the whole message when a text is too long. */
    static String truncate(String s, int max) {
        if (s.length() <= max) {
            return s;
        }
        int end = max - 1;
        if (Character.isHighSurrogate(s.charAt(end - 1))) {
            end--;
        }
        // Never leave half an entity such as "&am" behind.
        int amp = s.lastIndexOf('&', end - 1);
        if (amp >= 0 && amp > end - 5 && s.indexOf(';', amp) >= end) {
            end = amp;
        }
        return s.substring(0, end) + "…";
    }

    private static String entities(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    private static String neutralise(String s) {
        return BROADCAST.matcher(s).replaceAll("@" + WORD_JOINER);
    }
}
