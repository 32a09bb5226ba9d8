package io.flowwatch.runtime.ruletest;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.flowwatch.api.FlowwatchException.Problem;
import io.flowwatch.api.config.ConfigReader;
import io.flowwatch.api.record.FlowFormat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parsed rule test file:
 *
 * <pre>{@code
 * rule-files = ["../rules.d/detections.conf"]      # relative to this file
 * tests = [
 *   { name = "ssh brute force"
 *     input = [ "2 123456789012 eni-0a1 185.220.101.7 10.0.3.7 40000 22 6 1 60 1764000000 1764000001 REJECT OK" ]
 *     series = [ { line = "2 123456789012 eni-0a1 185.220.101.7 10.0.3.7 {40000+i} 22 6 1 60 {t} {t+1} REJECT OK"
 *                  start = "2025-11-24T16:00:00Z", every = 1s, count = 150 } ]
 *     alerts-at = [ { at = "2025-11-24T16:05:00Z"
 *                     alerts = [ { rule = ssh-brute-force, state = firing, labels { srcaddr = "185.220.101.7" }, value = 151 } ] } ]
 *   }
 * ]
 * }</pre>
 */
record RuleTestFile(Path file, List<Path> ruleFiles, List<TestCase> tests) {

    /** One test: input lines (the runner orders them by event time), and what is expected at each evaluation time. */
    record TestCase(String name, String origin, FlowFormat format, List<String> lines, List<String> lineOrigins,
                    List<Checkpoint> checkpoints, List<String> onlyRules) {
    }

    /** {@code at} is epoch seconds, or {@link Long#MAX_VALUE} for {@code "end"} (all input read, every window closed). */
    record Checkpoint(long at, String origin, List<Expected> alerts) {
    }

    /** An expected alert; {@code value} is null when not checked. */
    record Expected(String rule, String state, Map<String, String> labels, Double value) {
        @Override
        public String toString() {
            return rule + " " + state + " " + labels + (value == null ? "" : " value " + RuleTestRunner.number(value));
        }
    }

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{(t|i)([+-]\\d+)?}|\\{(\\d+)\\+i}");

    static RuleTestFile parse(Path file, List<Problem> problems) {
        Config c;
        try {
            c = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false)).resolve();
        } catch (ConfigException e) {
            problems.add(new Problem(e.origin() == null ? file.toString() : ConfigReader.describe(e.origin()), "",
                    e.getMessage().replaceFirst("^.*?: \\d+: ", "")));
            return null;
        }
        ConfigReader r = new ConfigReader(c, "");
        Path base = file.toAbsolutePath().getParent();
        List<Path> ruleFiles = new ArrayList<>();
        for (String s : r.stringList("rule-files")) {
            ruleFiles.add(base.resolve(s).normalize());
        }
        if (r.has("rule-files") && ruleFiles.isEmpty()) {
            r.problem("rule-files", "expected at least one rule file");
        }
        List<TestCase> tests = new ArrayList<>();
        if (!c.hasPath("tests") || c.getValue("tests").valueType() != ConfigValueType.LIST) {
            r.problem("tests", "expected a list of tests [ { name = ..., input = [...], alerts-at = [...] } ]");
        } else {
            List<? extends ConfigObject> blocks;
            try {
                blocks = c.getObjectList("tests");
            } catch (ConfigException.WrongType e) {
                r.problem("tests", "expected a list of test blocks { name = ..., ... }");
                blocks = List.of();
            }
            for (int i = 0; i < blocks.size(); i++) {
                TestCase t = testCase(blocks.get(i).toConfig(), "tests[" + i + "]", problems);
                if (t != null) {
                    tests.add(t);
                }
            }
        }
        problems.addAll(0, r.problems());
        return new RuleTestFile(file, ruleFiles, tests);
    }

    private static TestCase testCase(Config c, String label, List<Problem> out) {
        ConfigReader r = new ConfigReader(c, label);
        String name = r.has("name") ? r.string("name") : label;
        FlowFormat format = FlowFormat.DEFAULT;
        if (r.has("format")) {
            try {
                format = FlowFormat.parse(r.string("format"));
            } catch (IllegalArgumentException e) {
                r.problem("format", e.getMessage());
            }
        }
        List<String> lines = new ArrayList<>();
        List<String> origins = new ArrayList<>();
        if (r.has("input")) {
            ConfigValue v = c.getValue("input");
            for (String line : inputLines(r, v)) {
                lines.add(line);
                origins.add(ConfigReader.describe(v.origin()));
            }
        }
        if (r.has("series")) {
            try {
                List<? extends ConfigObject> series = c.getObjectList("series");
                for (int i = 0; i < series.size(); i++) {
                    series(new ConfigReader(series.get(i).toConfig(), label + ".series[" + i + "]"), lines, origins, out);
                }
            } catch (ConfigException.WrongType e) {
                r.problem("series", "expected a list of { line = ..., start = ..., every = ..., count = ... }");
            }
        }
        if (lines.isEmpty() && r.problems().isEmpty()) {
            r.problem("input", "expected input lines (input = [...]) or generated ones (series = [...])");
        }
        List<Checkpoint> checkpoints = new ArrayList<>();
        try {
            List<? extends ConfigObject> at = r.has("alerts-at") ? c.getObjectList("alerts-at") : List.of();
            for (int i = 0; i < at.size(); i++) {
                Checkpoint cp = checkpoint(new ConfigReader(at.get(i).toConfig(), label + ".alerts-at[" + i + "]"), label + ".alerts-at[" + i + "]", out);
                if (cp != null) {
                    checkpoints.add(cp);
                }
            }
        } catch (ConfigException.WrongType e) {
            r.problem("alerts-at", "expected a list of { at = ..., alerts = [...] }");
        }
        if (checkpoints.isEmpty() && r.problems().isEmpty()) {
            r.problem("alerts-at", "expected at least one evaluation time { at = ..., alerts = [...] }");
        }
        checkpoints.sort((a, b) -> Long.compare(a.at(), b.at()));
        List<String> only = r.has("only-rules") ? r.stringList("only-rules") : List.of();
        out.addAll(r.problems());
        return new TestCase(name, r.originOf("name"), format, lines, origins, checkpoints, only);
    }

    private static List<String> inputLines(ConfigReader r, ConfigValue v) {
        List<String> out = new ArrayList<>();
        if (v.valueType() == ConfigValueType.STRING) {
            for (String line : ((String) v.unwrapped()).split("\n")) {
                if (!line.isBlank()) {
                    out.add(line.strip());
                }
            }
        } else if (v.valueType() == ConfigValueType.LIST) {
            for (String line : r.stringList("input")) {
                out.add(line.strip());
            }
        } else {
            r.problem("input", "expected a list of log lines, or one multi-line string");
        }
        return out;
    }

    private static void series(ConfigReader s, List<String> lines, List<String> origins, List<Problem> out) {
        String template = s.string("line");
        Long start = instant(s, "start");
        Duration every = s.has("every") ? s.duration("every") : Duration.ofSeconds(1);
        long count = s.has("count") ? s.longValue("count", 1, 10_000_000) : 1;
        out.addAll(s.problems());
        if (template == null || start == null || !s.problems().isEmpty()) {
            return;
        }
        String origin = s.originOf("line");
        for (long i = 0; i < count; i++) {
            long t = start + i * every.toSeconds();
            lines.add(expand(template, t, i));
            origins.add(origin + " (#" + i + ")");
        }
    }

    /** Fills {@code {t}}, {@code {t+N}}, {@code {t-N}}, {@code {i}}, {@code {i+N}} and {@code {N+i}}. */
    static String expand(String template, long t, long i) {
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            long v;
            if (m.group(3) != null) {
                v = Long.parseLong(m.group(3)) + i;
            } else {
                v = (m.group(1).equals("t") ? t : i) + (m.group(2) == null ? 0 : Long.parseLong(m.group(2)));
            }
            m.appendReplacement(sb, Long.toString(v));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private static Checkpoint checkpoint(ConfigReader r, String label, List<Problem> out) {
        Long at = r.has("at") && "end".equals(r.config().getValue("at").unwrapped()) ? Long.valueOf(Long.MAX_VALUE) : instant(r, "at");
        List<Expected> alerts = new ArrayList<>();
        if (r.has("alerts")) {
            try {
                List<? extends ConfigObject> list = r.config().getObjectList("alerts");
                for (int i = 0; i < list.size(); i++) {
                    ConfigReader a = new ConfigReader(list.get(i).toConfig(), label + ".alerts[" + i + "]");
                    String rule = a.string("rule");
                    String state = a.has("state") ? a.oneOf("state", java.util.Set.of("firing", "resolved")) : "firing";
                    Map<String, String> labels = new TreeMap<>();
                    if (a.has("labels")) {
                        try {
                            for (Map.Entry<String, ConfigValue> e : a.config().getObject("labels").entrySet()) {
                                labels.put(e.getKey(), String.valueOf(e.getValue().unwrapped()));
                            }
                        } catch (ConfigException.WrongType e) {
                            a.problem("labels", "expected an object of label = value");
                        }
                    }
                    Double value = a.has("value") ? a.number("value") : null;
                    out.addAll(a.problems());
                    if (rule != null && state != null) {
                        alerts.add(new Expected(rule, state, labels, value));
                    }
                }
            } catch (ConfigException.WrongType e) {
                r.problem("alerts", "expected a list of { rule = ..., state = firing|resolved, labels { ... }, value = ... }");
            }
        }
        out.addAll(r.problems());
        return at == null ? null : new Checkpoint(at, r.originOf("at"), alerts);
    }

    /** Epoch seconds from a number or an ISO-8601 instant. */
    private static Long instant(ConfigReader r, String key) {
        if (!r.has(key)) {
            r.problem(key, "expected a time: epoch seconds or an ISO-8601 instant like 2025-11-24T16:00:00Z");
            return null;
        }
        Object v = r.config().getValue(key).unwrapped();
        if (v instanceof Number n) {
            return n.longValue();
        }
        try {
            return Instant.parse(String.valueOf(v)).getEpochSecond();
        } catch (DateTimeParseException e) {
            r.problem(key, "expected a time: epoch seconds or an ISO-8601 instant like 2025-11-24T16:00:00Z, got '" + v + "'");
            return null;
        }
    }
}
