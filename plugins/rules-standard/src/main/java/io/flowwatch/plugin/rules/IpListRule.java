package io.flowwatch.plugin.rules;

import io.flowwatch.api.PluginMetrics;
import io.flowwatch.api.record.FlowField;
import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;
import io.flowwatch.api.rule.Rule;
import io.flowwatch.api.rule.RuleOutput;
import io.flowwatch.api.rule.RuleSpec;
import io.flowwatch.api.rule.Signal;
import io.flowwatch.api.rule.StateInput;
import io.flowwatch.api.rule.StateOutput;
import io.flowwatch.plugin.rules.iplist.IpListFiles;
import io.flowwatch.plugin.rules.iplist.IpParser;
import io.flowwatch.plugin.rules.iplist.IpRanges;
import io.flowwatch.plugin.rules.predicate.RecordCondition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Fires the moment a record's source and/or destination address is on one of the rule's IP list
 * files; the key (the matched address, plus any group-by values) resolves after {@code window} of
 * event time without further matches.
 *
 * <p>The list files are re-read when their modification time or size changes, checked at most every
 * {@code reload-interval} of wall clock during {@link #onWatermark}. That check is I/O housekeeping,
 * not alert logic, so it is the one place this rule reads the clock. A reload builds the whole new
 * table aside and swaps it in; when a file cannot be read the previous table stays.
 */
final class IpListRule implements Rule {

    private static final Logger LOG = LoggerFactory.getLogger(IpListRule.class);

    /** Which address of a record is looked up. */
    enum Direction {
        SRCADDR, DSTADDR, EITHER;

        static Direction fromConfigName(String s) {
            return valueOf(s.toUpperCase(java.util.Locale.ROOT));
        }
    }

    record Settings(RecordCondition when, List<String> groupBy, List<Path> files, Direction direction,
                    long windowSeconds, long reloadIntervalMillis, int maxKeys) {
        Settings {
            groupBy = List.copyOf(groupBy);
            files = List.copyOf(files);
        }
    }

    private final RuleSpec spec;
    private final Settings s;
    private final Clock clock;
    private final PluginMetrics.Counter evicted;
    private final PluginMetrics.Counter reloads;
    private final PluginMetrics.Counter reloadFailures;
    private final PluginMetrics.Gauge entries;
    private final IpParser parser = new IpParser();
    /** Matched key -> event time of its latest match; access order, so the eldest is the least recent. */
    private final LinkedHashMap<Map<String, String>, long[]> firing = new LinkedHashMap<>(64, 0.75f, true);

    private IpRanges ranges;
    // Lookups memoised by address text (usually the very same String instance, from the parser's
    // caches), so most records skip parsing. Direct-mapped; cleared when the list is swapped.
    private static final int MEMO_SLOTS = 4096;
    private final String[] memoKeys = new String[MEMO_SLOTS];
    private final IpRanges.Entry[] memoHits = new IpRanges.Entry[MEMO_SLOTS];
    private List<IpListFiles.Stamp> stamps;
    private long lastCheckMillis;
    private long newestEventTime = Long.MIN_VALUE;
    private FlowFormat cachedFormat;
    private int srcCol = -1;
    private int dstCol = -1;

    IpListRule(RuleSpec spec, Settings settings, IpListFiles.Loaded initial, List<IpListFiles.Stamp> stamps,
               Clock clock, PluginMetrics metrics) {
        this.spec = spec;
        this.s = settings;
        this.clock = clock;
        this.ranges = initial.ranges();
        this.stamps = List.copyOf(stamps);
        this.lastCheckMillis = clock.millis();
        this.evicted = metrics.counter("rule_keys_evicted_total", "Keys dropped from a rule because max-keys was reached.");
        this.reloads = metrics.counter("rule_ip_list_reloads_total", "IP list reloads after a list file changed.");
        this.reloadFailures = metrics.counter("rule_ip_list_reload_failures_total",
                "IP list reloads that kept the previous list because a file could not be read.");
        this.entries = metrics.gauge("rule_ip_list_entries", "Entries in the rule's IP list.");
        entries.set(ranges.size());
    }

    @Override
    public void onRecord(FlowRecord record, RuleOutput out) {
        long t = record.eventTime();
        if (t == FlowRecord.ABSENT) {
            return;
        }
        newestEventTime = Math.max(newestEventTime, t);
        FlowFormat f = record.format();
        if (f != cachedFormat) {
            srcCol = f.indexOf("srcaddr");
            dstCol = f.indexOf("dstaddr");
            cachedFormat = f;
        }
        if (s.direction() != Direction.DSTADDR) {
            check(record, srcCol, "srcaddr", t, out);
        }
        if (s.direction() != Direction.SRCADDR) {
            check(record, dstCol, "dstaddr", t, out);
        }
    }

    private void check(FlowRecord record, int col, String field, long t, RuleOutput out) {
        if (col < 0) {
            return;
        }
        String address = record.stringAt(col);
        if (address == null) {
            return;
        }
        long v4 = record.ipv4At(col); // the parser's value: no text to parse or memoise
        IpRanges.Entry hit = v4 >= 0 ? ranges.findV4(v4) : lookup(address);
        // The record condition runs only on a hit: list lookups are cheaper than most conditions.
        if (hit == null || !s.when().test(record)) {
            return;
        }
        Map<String, String> key = new TreeMap<>();
        for (String g : s.groupBy()) {
            Object v = record.get(g);
            key.put(g, v == null ? "-" : v.toString());
        }
        key.put(field, address);
        long[] last = firing.get(key);
        if (last == null) {
            firing.put(key, new long[] {t});
            if (firing.size() > s.maxKeys()) {
                // Resolve the least recently matched key: an evicted key could otherwise never resolve.
                Iterator<Map.Entry<Map<String, String>, long[]>> it = firing.entrySet().iterator();
                Map.Entry<Map<String, String>, long[]> eldest = it.next();
                it.remove();
                evicted.inc();
                out.resolved(eldest.getKey(), t);
            }
        } else {
            last[0] = Math.max(last[0], t);
        }
        out.firing(new Signal(key, 1, 1, t, t, summary(record, field, address, hit), List.of(record)));
    }

    private IpRanges.Entry lookup(String address) {
        int h = address.hashCode(); // cached inside the String after its first use
        int slot = (h ^ (h >>> 16)) & (MEMO_SLOTS - 1);
        String k = memoKeys[slot];
        if (k == address || k != null && k.equals(address)) {
            return memoHits[slot];
        }
        IpRanges.Entry hit = parseAndFind(address);
        memoKeys[slot] = address;
        memoHits[slot] = hit;
        return hit;
    }

    private IpRanges.Entry parseAndFind(String address) {
        int n = address.length();
        long v4 = IpParser.parseV4(address, 0, n);
        if (v4 >= 0) {
            return ranges.findV4(v4);
        }
        if (!parser.parseV6(address, 0, n)) {
            return null;
        }
        if (IpParser.isV4Mapped(parser.hi(), parser.lo())) {
            return ranges.findV4(parser.lo() & 0xffffffffL);
        }
        return ranges.findV6(parser.hi(), parser.lo());
    }

    private String summary(FlowRecord r, String field, String address, IpRanges.Entry hit) {
        boolean fromListed = field.equals("srcaddr");
        String peer = r.getString(fromListed ? FlowField.DSTADDR : FlowField.SRCADDR);
        String port = r.getString(FlowField.DSTPORT);
        String action = r.getString(FlowField.ACTION);
        StringBuilder sb = new StringBuilder(160);
        sb.append(fromListed ? "traffic from listed address " : "traffic to listed address ").append(address);
        if (peer != null) {
            sb.append(fromListed ? " to " : " from ").append(peer);
        }
        if (port != null) {
            sb.append(" port ").append(port);
        }
        if (action != null) {
            sb.append(" (").append(action).append(')');
        }
        sb.append(": ").append(field).append(" matched ").append(hit.text())
                .append(" in ").append(hit.file()).append(':').append(hit.line());
        return sb.toString();
    }

    @Override
    public void onWatermark(long watermark, RuleOutput out) {
        maybeReload();
        if (firing.isEmpty()) {
            return;
        }
        // Resolve by what input has covered, so end of input (MAX_VALUE) does not invent quiet time.
        long covered = Math.min(watermark, newestEventTime);
        Iterator<Map.Entry<Map<String, String>, long[]>> it = firing.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Map<String, String>, long[]> e = it.next();
            long quietFrom = e.getValue()[0] + s.windowSeconds();
            if (quietFrom <= covered) {
                out.resolved(e.getKey(), quietFrom);
                it.remove();
            }
        }
    }

    @Override
    public void saveState(StateOutput out) throws IOException {
        out.writeLong(newestEventTime);
        out.writeInt(firing.size());
        for (Map.Entry<Map<String, String>, long[]> e : firing.entrySet()) { // least recently matched first
            out.writeStringMap(e.getKey());
            out.writeLong(e.getValue()[0]);
        }
    }

    @Override
    public void restoreState(StateInput in) throws IOException {
        long newest = in.readLong();
        int n = in.readCount(Integer.MAX_VALUE);
        List<Map.Entry<Map<String, String>, long[]>> read = new ArrayList<>(Math.min(n, 1 << 16));
        for (int i = 0; i < n; i++) {
            read.add(Map.entry(new TreeMap<>(in.readStringMap()), new long[] {in.readLong()}));
        }
        newestEventTime = newest;
        firing.clear();
        read.forEach(e -> firing.put(e.getKey(), e.getValue()));
    }

    private void maybeReload() {
        long now = clock.millis();
        if (now - lastCheckMillis < s.reloadIntervalMillis()) {
            return;
        }
        lastCheckMillis = now;
        List<IpListFiles.Stamp> current = new ArrayList<>(s.files().size());
        for (Path p : s.files()) {
            current.add(IpListFiles.stamp(p));
        }
        if (current.equals(stamps)) {
            return;
        }
        // Remember what was seen even on failure: retry when the files change again, not every interval.
        stamps = current;
        IpListFiles.Loaded loaded;
        try {
            loaded = IpListFiles.read(s.files());
        } catch (IOException e) {
            reloadFailures.inc();
            LOG.warn("rule {}: {}; keeping the previous list of {} entries", spec.name(), e.getMessage(), ranges.size());
            return;
        }
        for (IpListFiles.BadLine bad : loaded.badLines()) {
            LOG.warn("rule {}: {}; line skipped", spec.name(), bad);
        }
        if (loaded.badLineCount() > loaded.badLines().size()) {
            LOG.warn("rule {}: {} more bad lines skipped", spec.name(), loaded.badLineCount() - loaded.badLines().size());
        }
        ranges = loaded.ranges();
        java.util.Arrays.fill(memoKeys, null);
        reloads.inc();
        entries.set(ranges.size());
        LOG.info("rule {}: reloaded {} entries from {}", spec.name(), ranges.size(),
                s.files().stream().map(Path::toString).collect(Collectors.joining(", ")));
    }

    @Override
    public int trackedKeys() {
        return firing.size();
    }

    /** The current table, for tests. */
    int listSize() {
        return ranges.size();
    }
}
