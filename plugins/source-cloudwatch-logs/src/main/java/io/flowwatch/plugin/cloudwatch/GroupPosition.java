package io.flowwatch.plugin.cloudwatch;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The committed progress of one log group, encoded as
 * {@code v1;floor=F;hwm=H;ing=I;ids=A,B}:
 * <ul>
 *   <li>{@code floor}: no event before this time (epoch ms) is ever read (from {@code start});</li>
 *   <li>{@code hwm}: the newest event timestamp delivered (epoch ms), absent before the first event;</li>
 *   <li>{@code ing}: the newest ingestion time among delivered events (epoch ms);</li>
 *   <li>{@code ids}: the event ids delivered at exactly {@code hwm}.</li>
 * </ul>
 * After a restart an event older than {@code hwm} counts as delivered when it was ingested no later
 * than {@code ing}; one at {@code hwm} when its id is listed; everything newer is new. So a restart
 * neither repeats events nor drops those that arrived late while the agent was down. A source that
 * starts at {@code latest} begins with {@code hwm = ing = now}: everything ingested before it started
 * counts as delivered.
 */
record GroupPosition(long floor, long hwm, long ingestion, Set<String> idsAtHwm) {

    /** Marks "no event delivered yet" in {@link #hwm} and {@link #ingestion}. */
    static final long NONE = Long.MIN_VALUE;

    GroupPosition {
        idsAtHwm = Set.copyOf(idsAtHwm);
    }

    boolean hasEvents() {
        return hwm != NONE;
    }

    String encode() {
        StringBuilder b = new StringBuilder("v1;floor=").append(floor);
        if (hwm != NONE) {
            b.append(";hwm=").append(hwm).append(";ing=").append(ingestion).append(";ids=");
            // Sorted so the same state always encodes the same way.
            b.append(String.join(",", new TreeSet<>(idsAtHwm)));
        }
        return b.toString();
    }

    /** @throws IllegalArgumentException saying what is wrong with {@code s} */
    static GroupPosition decode(String s) {
        String[] parts = s.split(";", -1);
        if (parts.length == 0 || !parts[0].equals("v1")) {
            throw new IllegalArgumentException("unknown position encoding '" + s + "' (expected v1;...)");
        }
        long floor = NONE;
        long hwm = NONE;
        long ing = NONE;
        List<String> ids = new ArrayList<>();
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i];
            int eq = p.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("bad position part '" + p + "' in '" + s + "'");
            }
            String k = p.substring(0, eq);
            String v = p.substring(eq + 1);
            try {
                switch (k) {
                    case "floor" -> floor = Long.parseLong(v);
                    case "hwm" -> hwm = Long.parseLong(v);
                    case "ing" -> ing = Long.parseLong(v);
                    case "ids" -> {
                        for (String id : v.split(",")) {
                            if (!id.isEmpty()) {
                                ids.add(id);
                            }
                        }
                    }
                    default -> throw new IllegalArgumentException("unknown position part '" + k + "' in '" + s + "'");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad number in position part '" + p + "' of '" + s + "'");
            }
        }
        if (floor == NONE) {
            throw new IllegalArgumentException("position '" + s + "' has no floor");
        }
        if ((hwm == NONE) != (ing == NONE)) {
            throw new IllegalArgumentException("position '" + s + "' needs both hwm and ing, or neither");
        }
        return new GroupPosition(floor, hwm, ing, new TreeSet<>(ids));
    }
}
