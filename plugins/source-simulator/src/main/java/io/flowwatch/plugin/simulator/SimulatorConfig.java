package io.flowwatch.plugin.simulator;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.flowwatch.api.config.ConfigReader;
import io.flowwatch.api.record.FlowFormat;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A {@code simulator} source's settings; the keys are documented in this plugin's
 * {@code reference.conf}.
 *
 * @param seed       generator seed
 * @param rate       records per simulated second
 * @param start      when the simulation begins, or null for "the clock when the source first opens"
 * @param realtime   pace hand-over by the clock, or generate as fast as possible
 * @param speed      simulated seconds per wall-clock second when {@code realtime}
 * @param limit      total records to generate, 0 for no limit
 * @param batchSize  most records per batch
 * @param format     the format written (never null: {@link FlowFormat#DEFAULT} when not configured)
 * @param accountId  the 12-digit account id written in every record
 * @param region     the AWS region of the simulated VPCs
 * @param interfaces how many network interfaces to simulate
 * @param peers      how many internet peers to simulate
 * @param scenarios  the injected attacks
 */
public record SimulatorConfig(long seed, double rate, Instant start, boolean realtime, double speed, long limit,
                             int batchSize, FlowFormat format, String accountId, String region, int interfaces,
                             int peers, Scenarios scenarios) {

    static final double MAX_RATE = 10_000_000;
    static final double MAX_SPEED = 10_000;
    static final int MAX_BATCH_SIZE = 1_000_000;
    static final int MIN_INTERFACES = 5;
    static final int MAX_INTERFACES = 20_000;
    static final int MIN_PEERS = 10;
    static final int MAX_PEERS = 100_000;
    static final int MAX_TARGETS = 10;

    private static final Pattern ACCOUNT_ID = Pattern.compile("[0-9]{12}");
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-[0-9]{1,2}");

    /** Keys a source block may hold; {@code type} is the runtime's. Anything else is a typo worth reporting. */
    private static final Set<String> KEYS = Set.of("type", "seed", "rate", "start", "realtime", "speed", "limit",
            "batch-size", "format", "account-id", "region", "interfaces", "peers", "scenarios");
    private static final Set<String> WINDOW_KEYS = Set.of("enabled", "at", "duration", "repeat", "rate");

    public SimulatorConfig {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(scenarios, "scenarios");
        if (!(rate > 0 && rate <= MAX_RATE)) {
            throw new IllegalArgumentException("rate must be more than 0 and at most " + (long) MAX_RATE);
        }
        if (!(speed > 0 && speed <= MAX_SPEED)) {
            throw new IllegalArgumentException("speed must be more than 0 and at most " + (long) MAX_SPEED);
        }
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be 0 or more");
        }
        if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
            throw new IllegalArgumentException("batch-size must be from 1 to " + MAX_BATCH_SIZE);
        }
        if (accountId == null || !ACCOUNT_ID.matcher(accountId).matches()) {
            throw new IllegalArgumentException("account-id must be 12 digits");
        }
        if (region == null || !REGION.matcher(region).matches()) {
            throw new IllegalArgumentException("region must look like us-east-1");
        }
        if (interfaces < MIN_INTERFACES || interfaces > MAX_INTERFACES) {
            throw new IllegalArgumentException("interfaces must be from " + MIN_INTERFACES + " to " + MAX_INTERFACES);
        }
        if (peers < MIN_PEERS || peers > MAX_PEERS) {
            throw new IllegalArgumentException("peers must be from " + MIN_PEERS + " to " + MAX_PEERS);
        }
        if (scenarios.sshBruteForce().targets() > interfaces) {
            throw new IllegalArgumentException("ssh-brute-force targets must be at most interfaces");
        }
    }

    /**
     * When and how often a scenario happens, in simulated time after the start.
     *
     * @param rate records per simulated second while active
     */
    public record Window(boolean enabled, Duration at, Duration duration, Duration repeat, double rate) {
        public Window {
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(duration, "duration");
            Objects.requireNonNull(repeat, "repeat");
            if (at.isNegative()) {
                throw new IllegalArgumentException("at must not be negative");
            }
            if (duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException("duration must be more than zero");
            }
            if (repeat.isNegative() || (!repeat.isZero() && repeat.compareTo(duration) < 0)) {
                throw new IllegalArgumentException("repeat must be 0s or at least duration");
            }
            if (!(rate > 0 && rate <= MAX_RATE)) {
                throw new IllegalArgumentException("rate must be more than 0");
            }
        }

        /** Whether the scenario is under way {@code offsetMillis} simulated milliseconds after the start. */
        boolean activeAt(long offsetMillis) {
            long since = offsetMillis - at.toMillis();
            if (!enabled || since < 0) {
                return false;
            }
            long period = repeat.toMillis();
            return (period > 0 ? since % period : since) < duration.toMillis();
        }
    }

    /** {@code ssh-brute-force}: REJECTed TCP/22 attempts from {@code attacker} to {@code targets} hosts. */
    public record SshBruteForce(Window window, String attacker, int targets) {
        public SshBruteForce {
            Objects.requireNonNull(window, "window");
            Ipv4.parse(attacker);
            if (targets < 1 || targets > MAX_TARGETS) {
                throw new IllegalArgumentException("targets must be from 1 to " + MAX_TARGETS);
            }
        }
    }

    /** {@code port-scan}: SYNs from {@code scanner} to many ports of one host. */
    public record PortScan(Window window, String scanner) {
        public PortScan {
            Objects.requireNonNull(window, "window");
            Ipv4.parse(scanner);
        }
    }

    /** {@code exfiltration}: very large egress flows from one internal host to {@code destination} over 443. */
    public record Exfiltration(Window window, String destination) {
        public Exfiltration {
            Objects.requireNonNull(window, "window");
            Ipv4.parse(destination);
        }
    }

    /** The injected attacks. */
    public record Scenarios(SshBruteForce sshBruteForce, PortScan portScan, Exfiltration exfiltration) {
        public Scenarios {
            Objects.requireNonNull(sshBruteForce, "sshBruteForce");
            Objects.requireNonNull(portScan, "portScan");
            Objects.requireNonNull(exfiltration, "exfiltration");
        }
    }

    /**
     * Reads and checks a source block (reference defaults already applied), reporting every
     * problem at once.
     *
     * @param where the block's full path for messages, e.g. {@code flowwatch.sources.sim}
     * @throws io.flowwatch.api.FlowwatchException listing every problem found
     */
    public static SimulatorConfig read(Config config, String where) {
        ConfigReader r = new ConfigReader(config, where);
        unknownKeys(r, config, "", KEYS);

        long seed = r.longValue("seed", Long.MIN_VALUE, Long.MAX_VALUE);
        double rate = positive(r, "rate", MAX_RATE);
        Instant start = r.parsed("start", "\"now\" or an ISO-8601 instant such as 2024-05-01T00:00:00Z",
                SimulatorConfig::parseStart);
        boolean realtime = r.bool("realtime");
        double speed = positive(r, "speed", MAX_SPEED);
        long limit = r.longValue("limit", 0, Long.MAX_VALUE);
        int batchSize = r.integer("batch-size", 1, MAX_BATCH_SIZE);
        FlowFormat format = r.has("format")
                ? r.parsed("format", "a flow-log format such as \"${version} ${srcaddr} ${dstaddr}\"", FlowFormat::parse)
                : FlowFormat.DEFAULT;
        String accountId = r.parsed("account-id", "12 digits such as \"123456789012\"", s -> matching(ACCOUNT_ID, s));
        String region = r.parsed("region", "an AWS region such as us-east-1", s -> matching(REGION, s));
        int before = r.problems().size();
        int interfaces = r.integer("interfaces", MIN_INTERFACES, MAX_INTERFACES);
        boolean interfacesRead = r.problems().size() == before;
        int peers = r.integer("peers", MIN_PEERS, MAX_PEERS);

        SshBruteForce ssh = null;
        PortScan scan = null;
        Exfiltration exfil = null;
        if (isObject(r, "scenarios")) {
            unknownKeys(r, config.getConfig("scenarios"), "scenarios.",
                    Set.of("ssh-brute-force", "port-scan", "exfiltration"));
            String p = "scenarios.ssh-brute-force";
            if (isObject(r, p)) {
                Window w = window(r, p, Set.of("attacker", "targets"));
                String attacker = r.parsed(p + ".attacker", "an IPv4 address such as 185.220.101.7", Ipv4::canonical);
                before = r.problems().size();
                int targets = r.integer(p + ".targets", 1, MAX_TARGETS);
                if (r.problems().size() == before && interfacesRead && targets > interfaces) {
                    r.problem(p + ".targets", "expected at most interfaces (" + interfaces + "), got " + targets);
                }
                ssh = w == null || attacker == null ? null : new SshBruteForce(w, attacker, targets);
            }
            p = "scenarios.port-scan";
            if (isObject(r, p)) {
                Window w = window(r, p, Set.of("scanner"));
                String scanner = r.parsed(p + ".scanner", "an IPv4 address such as 198.51.100.23", Ipv4::canonical);
                scan = w == null || scanner == null ? null : new PortScan(w, scanner);
            }
            p = "scenarios.exfiltration";
            if (isObject(r, p)) {
                Window w = window(r, p, Set.of("destination"));
                String destination = r.parsed(p + ".destination", "an IPv4 address such as 203.0.113.77",
                        Ipv4::canonical);
                exfil = w == null || destination == null ? null : new Exfiltration(w, destination);
            }
        }
        r.throwIfProblems();
        return new SimulatorConfig(seed, rate, start, realtime, speed, limit, batchSize, format, accountId, region,
                interfaces, peers, new Scenarios(ssh, scan, exfil));
    }

    /** Reads a scenario's timing; null when any of it has a problem (already recorded). */
    private static Window window(ConfigReader r, String path, Set<String> ownKeys) {
        int problems = r.problems().size();
        Set<String> keys = new HashSet<>(WINDOW_KEYS);
        keys.addAll(ownKeys);
        unknownKeys(r, r.config().getConfig(path), path + ".", keys);
        boolean enabled = r.bool(path + ".enabled");
        Duration at = r.duration(path + ".at");
        int before = r.problems().size();
        Duration duration = r.duration(path + ".duration");
        boolean durationRead = r.problems().size() == before;
        if (durationRead && duration.isZero()) {
            r.problem(path + ".duration", "expected a duration greater than zero, such as 5m");
            durationRead = false;
        }
        before = r.problems().size();
        Duration repeat = r.duration(path + ".repeat");
        if (r.problems().size() == before && durationRead && !repeat.isZero() && repeat.compareTo(duration) < 0) {
            r.problem(path + ".repeat", "expected 0s (once) or a duration of at least duration ("
                    + duration.toSeconds() + "s), got " + repeat.toSeconds() + "s");
        }
        double rate = positive(r, path + ".rate", MAX_RATE);
        return r.problems().size() == problems ? new Window(enabled, at, duration, repeat, rate) : null;
    }

    /** A number in (0, max]; returns -1 (and records the problem) otherwise. */
    private static double positive(ConfigReader r, String key, double max) {
        int before = r.problems().size();
        double v = r.number(key);
        if (r.problems().size() != before) {
            return -1;
        }
        if (!(v > 0 && v <= max)) {
            r.problem(key, "expected a number greater than 0 and at most " + fmt(max) + ", got " + fmt(v));
            return -1;
        }
        return v;
    }

    private static boolean isObject(ConfigReader r, String key) {
        if (!r.has(key)) {
            r.problem(key, "expected an object { ... }, but the key is missing");
            return false;
        }
        ConfigValue v = r.config().getValue(key);
        if (v.valueType() != ConfigValueType.OBJECT) {
            r.problem(key, "expected an object { ... }, got " + v.valueType().name().toLowerCase(Locale.ROOT));
            return false;
        }
        return true;
    }

    private static void unknownKeys(ConfigReader r, Config block, String prefix, Set<String> known) {
        for (String key : block.root().keySet()) {
            if (!known.contains(key)) {
                Set<String> expected = new TreeSet<>(known);
                expected.remove("type");
                r.problem(prefix + quoteIfNeeded(key), "unknown key; expected one of " + String.join(", ", expected));
            }
        }
    }

    private static String quoteIfNeeded(String key) {
        return key.matches("[A-Za-z0-9_-]+") ? key : "\"" + key.replace("\"", "\\\"") + "\"";
    }

    private static Instant parseStart(String s) {
        if (s.equals("now")) {
            return null;
        }
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("got '" + s + "'", e);
        }
    }

    private static String matching(Pattern p, String s) {
        if (!p.matcher(s).matches()) {
            throw new IllegalArgumentException("got '" + s + "'");
        }
        return s;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
