package io.flowwatch.runtime.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.flowwatch.api.FlowwatchException.Problem;
import io.flowwatch.api.config.ConfigReader;
import io.flowwatch.api.rule.RuleSpec;
import io.flowwatch.api.rule.Severity;
import io.flowwatch.runtime.logging.SecretMasker;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reads {@code agent.conf} (over the runtime's reference.conf, with {@code ${?ENV}} substitution)
 * and the rule files it names into an {@link AgentConfig}, collecting every problem with its
 * {@code file:line} instead of stopping at the first. Type-specific keys are checked later by
 * each plugin's factory.
 */
public final class ConfigLoader {

    /** The result: a config (possibly partial) and every problem found. */
    /** Rules loaded without an agent config, see {@link #loadRules}. */
    public record LoadedRules(List<RuleConfig> rules, List<Problem> problems) {
    }

    public record Loaded(AgentConfig config, List<Problem> problems) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    private static final Set<String> SEVERITIES =
            Arrays.stream(Severity.values()).map(Severity::configName).collect(Collectors.toSet());
    private static final Set<String> RULE_COMMON_KEYS = Set.of(
            "name", "type", "description", "severity", "sources", "notify", "labels", "repeat-interval", "enabled");

    private final Config reference;
    private final Map<String, String> environment;

    public ConfigLoader() {
        // Unresolved reference: defaultReference() would mix in JVM system properties as config.
        this(ConfigFactory.defaultReferenceUnresolved(ConfigLoader.class.getClassLoader()).resolve(), System.getenv());
    }

    ConfigLoader(Config reference, Map<String, String> environment) {
        this.reference = reference;
        this.environment = environment;
    }

    public Loaded load(Path file) {
        List<Problem> problems = new ArrayList<>();
        Config user;
        try {
            if (!Files.isRegularFile(file)) {
                throw new ConfigException.IO(ConfigFactory.empty(file.toString()).origin(),
                        Files.exists(file) ? "not a regular file" : "no such file");
            }
            user = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
        } catch (ConfigException e) {
            problems.add(problemOf(e, file.toString()));
            return new Loaded(null, problems);
        }
        return build(file, user, problems);
    }

    /** Loads from text (the demo's built-in config, tests); {@code baseFile} anchors relative rule globs. */
    public Loaded loadString(String hocon, String description, Path baseFile) {
        List<Problem> problems = new ArrayList<>();
        Config user;
        try {
            user = ConfigFactory.parseString(hocon, ConfigParseOptions.defaults().setOriginDescription(description));
        } catch (ConfigException e) {
            problems.add(problemOf(e, description));
            return new Loaded(null, problems);
        }
        return build(baseFile, user, problems);
    }

    private Loaded build(Path file, Config user, List<Problem> problems) {
        Config env = ConfigFactory.parseMap(environment, "environment variables");
        Config merged;
        try {
            // Env vars sit below everything: they only fill ${?VAR} substitutions, never override keys.
            merged = user.withFallback(reference).withFallback(env).resolve(ConfigResolveOptions.noSystem());
        } catch (ConfigException e) {
            problems.add(problemOf(e, file.toString()));
            return new Loaded(null, problems);
        }
        if (!checkSections(merged, problems) || !defaultsApply(merged, problems)) {
            return new Loaded(null, problems);
        }
        checkUnknownKeys(user, merged, problems);
        Config fw = merged.getConfig("flowwatch");
        ConfigReader r = new ConfigReader(fw, "flowwatch");
        Path stateDir = path(r, "state-dir", r.string("state-dir"));
        String pluginsDirText = r.string("plugins-dir");
        Path pluginsDir = pluginsDirText == null || pluginsDirText.isBlank() ? null : path(r, "plugins-dir", pluginsDirText);
        boolean httpEnabled = r.bool("http.enabled");
        String bind = r.string("http.bind");
        int port = r.integer("http.port", 0, 65535);
        HttpConfig.BasicAuth basicAuth = basicAuth(r);
        HttpConfig.Tls tls = tls(r);
        Duration downAfter = r.duration("http.health.down-after");
        Duration maxLag = r.duration("http.health.max-lag");
        List<String> globs = r.stringList("rules");
        Duration lateness = r.duration("allowed-lateness");
        Duration checkpointInterval = r.duration("checkpoint-interval");
        Duration pollTimeout = r.duration("poll-timeout");
        boolean watchRules = r.bool("watch-rules");
        problems.addAll(r.problems());

        Map<String, ComponentConfig> sources = components(fw, "sources", problems);
        Map<String, ComponentConfig> engines = components(fw, "query-engines", problems);
        Map<String, ComponentConfig> notifiers = components(fw, "notifiers", problems);

        Path base = file.toAbsolutePath().getParent();
        List<RuleConfig> rules = new ArrayList<>();
        Config ruleDefaults = fw.getConfig("rule-defaults");
        for (String glob : globs) {
            for (Path ruleFile : expand(base, glob, fw, problems)) {
                loadRuleFile(ruleFile, ruleDefaults, env, rules, problems);
            }
        }
        checkRuleReferences(rules, sources.keySet(), notifiers.keySet(), problems);

        AgentConfig config = new AgentConfig(file, stateDir == null ? Paths.get("state") : stateDir,
                pluginsDir == null ? defaultPluginsDir() : pluginsDir,
                new HttpConfig(httpEnabled, bind == null ? "127.0.0.1" : bind, port, basicAuth, tls,
                        downAfter == null || maxLag == null ? HttpConfig.Health.DEFAULTS : new HttpConfig.Health(downAfter, maxLag)), globs, lateness,
                checkpointInterval, pollTimeout, sources, engines, notifiers, rules, watchRules);
        return new Loaded(config, problems);
    }

    /** {@code http.basic-auth}: both keys or neither. The password is registered as a secret before anything can print it. */
    private static HttpConfig.BasicAuth basicAuth(ConfigReader r) {
        String user = r.string("http.basic-auth.username");
        String password = r.string("http.basic-auth.password");
        SecretMasker.register(password);
        if (user == null || password == null || (user.isEmpty() && password.isEmpty())) {
            return null;
        }
        boolean ok = true;
        if (user.isEmpty()) {
            r.problem("http.basic-auth.username", "expected a user name, since http.basic-auth.password is set");
            ok = false;
        } else if (user.contains(":")) {
            r.problem("http.basic-auth.username", "expected a user name without ':' (basic auth cannot carry it)");
            ok = false;
        }
        if (password.isEmpty()) {
            r.problem("http.basic-auth.password", "expected a password, since http.basic-auth.username is set"
                    + " (e.g. password = ${?FLOWWATCH_HTTP_PASSWORD}; is that variable set?)");
            ok = false;
        } else if (password.length() < 4) {
            r.problem("http.basic-auth.password", "expected at least 4 characters");
            ok = false;
        }
        return ok ? new HttpConfig.BasicAuth(user, password) : null;
    }

    /** {@code http.tls}: the keystore must open with its password now, so {@code validate} catches it. */
    private static HttpConfig.Tls tls(ConfigReader r) {
        String keystore = r.string("http.tls.keystore");
        String password = r.string("http.tls.keystore-password");
        SecretMasker.register(password);
        if (keystore == null || password == null || keystore.isEmpty()) {
            if (password != null && !password.isEmpty()) {
                r.problem("http.tls.keystore", "expected a PKCS12 keystore path, since http.tls.keystore-password is set");
            }
            return null;
        }
        Path path = path(r, "http.tls.keystore", keystore);
        if (path == null) {
            return null;
        }
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            r.problem("http.tls.keystore", "expected a readable PKCS12 keystore file, but " + path.toAbsolutePath()
                    + (Files.exists(path) ? " cannot be read" : " does not exist"));
            return null;
        }
        try {
            HttpConfig.Tls tls = new HttpConfig.Tls(path, password);
            TlsKeystore.load(tls);
            return tls;
        } catch (IOException | java.security.GeneralSecurityException e) {
            r.problem("http.tls.keystore", "cannot open " + path + " as PKCS12 with http.tls.keystore-password: " + e.getMessage());
            return null;
        }
    }

    /** Rule files on their own (for {@code test-rules}): the rules, and every problem but references to sources and notifiers. */
    public LoadedRules loadRules(List<Path> files) {
        List<Problem> problems = new ArrayList<>();
        List<RuleConfig> rules = new ArrayList<>();
        Config ruleDefaults = reference.getConfig("flowwatch.rule-defaults");
        Config env = ConfigFactory.parseMap(environment, "environment variables");
        for (Path f : files) {
            if (!Files.isRegularFile(f)) {
                problems.add(new Problem(f.toString(), "", Files.exists(f) ? "not a regular file" : "no such file"));
                continue;
            }
            loadRuleFile(f, ruleDefaults, env, rules, problems);
        }
        List<Problem> all = new ArrayList<>();
        checkRuleReferences(rules, null, null, all);
        problems.addAll(all);
        return new LoadedRules(rules, problems);
    }

    /** The distribution's plugins: {@code <flowwatch.home>/plugins}, else {@code ./plugins}. */
    public static Path defaultPluginsDir() {
        String home = System.getProperty("flowwatch.home");
        return home == null || home.isBlank() ? Paths.get("plugins") : Paths.get(home, "plugins");
    }

    /**
     * A path from config text. A character the file system cannot take (NUL) is a problem, not an
     * InvalidPathException thrown at the caller (found by ConfigLoaderFuzzTest). Null for null.
     */
    private static Path path(ConfigReader r, String key, String value) {
        if (value == null) {
            return null;
        }
        try {
            return Paths.get(value);
        } catch (InvalidPathException e) {
            r.problem(key, "expected a file path: " + e.getReason());
            return null;
        }
    }

    /** The sections the loader walks as objects, below the root. */
    private static final List<String> OBJECT_SECTIONS = List.of("rule-defaults", "notifier-delivery");

    /**
     * A scalar or list where the loader walks an object ({@code flowwatch = 1},
     * {@code flowwatch.rule-defaults = 5}) is a located problem, not a WrongType thrown at the
     * caller (found by ConfigLoaderFuzzTest). False when the config cannot be read further.
     */
    private static boolean checkSections(Config merged, List<Problem> problems) {
        ConfigValue root = merged.getValue("flowwatch");
        if (root.valueType() != ConfigValueType.OBJECT) {
            problems.add(new Problem(ConfigReader.describe(root.origin()), "flowwatch",
                    "expected an object flowwatch { ... }, got " + root.valueType().name().toLowerCase(java.util.Locale.ROOT)));
            return false;
        }
        boolean ok = true;
        for (String section : OBJECT_SECTIONS) {
            ConfigValue v = ((ConfigObject) root).get(section);
            if (v != null && v.valueType() != ConfigValueType.OBJECT) {
                problems.add(new Problem(ConfigReader.describe(v.origin()), "flowwatch." + section,
                        "expected an object " + section + " { ... }, got " + v.valueType().name().toLowerCase(java.util.Locale.ROOT)));
                ok = false;
            }
        }
        return ok;
    }

    /**
     * HOCON lets an object that replaces an earlier plain value (`flowwatch = 1` then
     * `flowwatch { ... }`) hide every fallback, reference.conf included; then built-in defaults
     * are silently gone. Reported once, at the hiding block, instead of as missing keys later.
     */
    private boolean defaultsApply(Config merged, List<Problem> problems) {
        return defaultsApply(reference.getObject("flowwatch"), merged.getObject("flowwatch"), "flowwatch", problems);
    }

    private static boolean defaultsApply(ConfigObject ref, ConfigObject actual, String path, List<Problem> problems) {
        Set<String> missing = new TreeSet<>(ref.keySet());
        missing.removeAll(actual.keySet());
        if (!missing.isEmpty()) {
            problems.add(new Problem(ConfigReader.describe(actual.origin()), path, "this block replaces an earlier plain value of "
                    + path + ", so the built-in defaults no longer apply (missing " + String.join(", ", missing)
                    + "); remove the earlier value"));
            return false;
        }
        boolean ok = true;
        for (Map.Entry<String, ConfigValue> e : ref.entrySet()) {
            ConfigValue v = actual.get(e.getKey());
            if (e.getValue() instanceof ConfigObject r && v instanceof ConfigObject a) {
                ok &= defaultsApply(r, a, path + "." + e.getKey(), problems);
            }
        }
        return ok;
    }

    private void checkUnknownKeys(Config user, Config merged, List<Problem> problems) {
        Set<String> known = reference.getObject("flowwatch").keySet();
        ConfigObject fw = merged.getObject("flowwatch");
        for (Map.Entry<String, ConfigValue> e : fw.entrySet()) {
            if (!known.contains(e.getKey())) {
                problems.add(new Problem(ConfigReader.describe(e.getValue().origin()), "flowwatch." + e.getKey(),
                        "unknown key; expected one of " + String.join(", ", new TreeSet<>(known))));
            }
        }
        checkUnknownHttpKeys(merged, problems);
        for (String top : user.root().keySet()) {
            if (!top.equals("flowwatch")) {
                problems.add(new Problem(ConfigReader.describe(user.root().get(top).origin()), top,
                        "unknown key; everything belongs under flowwatch { ... }"));
            }
        }
    }

    /** A misspelt {@code basic-auth} must not silently leave the endpoint open. */
    private void checkUnknownHttpKeys(Config merged, List<Problem> problems) {
        for (String sub : List.of("", ".basic-auth", ".tls")) {
            String path = "flowwatch.http" + sub;
            if (!merged.hasPath(path) || merged.getValue(path).valueType() != ConfigValueType.OBJECT) {
                continue;
            }
            Set<String> known = reference.getObject(path).keySet();
            for (Map.Entry<String, ConfigValue> e : merged.getObject(path).entrySet()) {
                if (!known.contains(e.getKey())) {
                    problems.add(new Problem(ConfigReader.describe(e.getValue().origin()), path + "." + e.getKey(),
                            "unknown key; expected one of " + String.join(", ", new TreeSet<>(known))));
                }
            }
        }
    }

    private static Map<String, ComponentConfig> components(Config fw, String section, List<Problem> problems) {
        Map<String, ComponentConfig> out = new LinkedHashMap<>();
        ConfigValue sectionValue = fw.getValue(section);
        if (sectionValue.valueType() != ConfigValueType.OBJECT) {
            problems.add(new Problem(ConfigReader.describe(sectionValue.origin()), "flowwatch." + section,
                    "expected an object of named blocks, e.g. " + section + " { name { type = ... } }"));
            return out;
        }
        ConfigObject obj = (ConfigObject) sectionValue;
        for (String name : new TreeSet<>(obj.keySet())) {
            ConfigValue v = obj.get(name);
            String path = "flowwatch." + section + "." + name;
            String origin = ConfigReader.describe(v.origin());
            if (v.valueType() != ConfigValueType.OBJECT) {
                problems.add(new Problem(origin, path, "expected a block { type = ... }"));
                continue;
            }
            Config block = ((ConfigObject) v).toConfig();
            ConfigReader r = new ConfigReader(block, path);
            String type = r.string("type");
            problems.addAll(r.problems());
            if (type != null) {
                // Notifiers: the runtime's delivery settings apply below the block and its type's defaults.
                Config delivery = section.equals("notifiers") ? fw.getConfig("notifier-delivery") : null;
                out.put(name, new ComponentConfig(name, type, block, path, origin, delivery));
            }
        }
        return out;
    }

    /** Expands one glob (or plain path) relative to agent.conf's directory, sorted. */
    static List<Path> expand(Path base, String glob, Config fw, List<Problem> problems) {
        Path pattern;
        try {
            pattern = base.resolve(glob).normalize();
        } catch (InvalidPathException e) {
            problems.add(new Problem(ConfigReader.describe(fw.getValue("rules").origin()), "flowwatch.rules",
                    "expected a rule file path or glob: " + e.getReason()));
            return List.of();
        }
        String s = pattern.toString();
        int firstGlob = indexOfGlobChar(s);
        if (firstGlob < 0) {
            if (!Files.isRegularFile(pattern)) {
                problems.add(new Problem(ConfigReader.describe(fw.getValue("rules").origin()), "flowwatch.rules",
                        "expected an existing rule file, but " + pattern + " does not exist"));
                return List.of();
            }
            return List.of(pattern);
        }
        int slash = s.lastIndexOf('/', firstGlob);
        Path root = Paths.get(slash <= 0 ? "/" : s.substring(0, slash));
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        PathMatcher matcher;
        try {
            matcher = FileSystems.getDefault().getPathMatcher("glob:" + s);
        } catch (java.util.regex.PatternSyntaxException e) {
            // e.g. an unclosed '{' or '['
            problems.add(new Problem(ConfigReader.describe(fw.getValue("rules").origin()), "flowwatch.rules",
                    "expected a rule file path or glob, got '" + glob + "': " + e.getDescription()));
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).filter(matcher::matches).sorted().collect(Collectors.toList());
        } catch (UncheckedIOException e) {
            // The walk meets a directory it cannot read (or one that vanished) after it started.
            problems.add(new Problem(ConfigReader.describe(fw.getValue("rules").origin()), "flowwatch.rules",
                    "cannot list " + root + ": " + e.getCause().getMessage()));
            return List.of();
        } catch (IOException e) {
            problems.add(new Problem(ConfigReader.describe(fw.getValue("rules").origin()), "flowwatch.rules",
                    "cannot list " + root + ": " + e.getMessage()));
            return List.of();
        }
    }

    private static int indexOfGlobChar(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '*' || c == '?' || c == '[' || c == '{') {
                return i;
            }
        }
        return -1;
    }

    private static void loadRuleFile(Path file, Config ruleDefaults, Config env, List<RuleConfig> out, List<Problem> problems) {
        Config parsed;
        Config conf;
        try {
            parsed = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
            conf = parsed.withFallback(env).resolve(ConfigResolveOptions.noSystem());
        } catch (ConfigException e) {
            problems.add(problemOf(e, file.toString()));
            return;
        }
        for (String key : parsed.root().keySet()) {
            if (!key.equals("rules")) {
                problems.add(new Problem(ConfigReader.describe(parsed.root().get(key).origin()), key,
                        "unknown key; a rule file holds rules = [ {...}, ... ]"));
            }
        }
        if (!conf.hasPath("rules")) {
            return;
        }
        ConfigValue rulesValue = conf.getValue("rules");
        if (rulesValue.valueType() != ConfigValueType.LIST) {
            problems.add(new Problem(ConfigReader.describe(rulesValue.origin()), "rules", "expected a list of rule blocks [ {...}, ... ]"));
            return;
        }
        ConfigList list = (ConfigList) rulesValue;
        for (int i = 0; i < list.size(); i++) {
            ConfigValue v = list.get(i);
            String origin = ConfigReader.describe(v.origin());
            if (v.valueType() != ConfigValueType.OBJECT) {
                problems.add(new Problem(origin, "rules[" + i + "]", "expected a rule block { name = ..., type = ... }"));
                continue;
            }
            Config block = ((ConfigObject) v).toConfig();
            String label = block.hasPath("name") && block.getValue("name").valueType() == ConfigValueType.STRING
                    ? "rules[" + block.getString("name") + "]" : "rules[" + i + "]";
            ConfigReader r = new ConfigReader(block.withFallback(ruleDefaults), label);
            String name = r.string("name");
            String type = r.string("type");
            String description = r.string("description");
            String severity = r.oneOf("severity", SEVERITIES);
            List<String> sources = r.stringList("sources");
            List<String> notify = r.stringList("notify");
            Duration repeat = r.duration("repeat-interval");
            boolean enabled = r.bool("enabled");
            Map<String, String> labels = new HashMap<>();
            if (block.hasPath("labels")) {
                try {
                    for (Map.Entry<String, ConfigValue> e : block.getObject("labels").entrySet()) {
                        labels.put(e.getKey(), String.valueOf(e.getValue().unwrapped()));
                    }
                } catch (ConfigException.WrongType e) {
                    r.problem("labels", "expected an object of label = value");
                }
            }
            problems.addAll(r.problems());
            if (name != null && type != null && severity != null) {
                RuleSpec spec = new RuleSpec(name, type, description, Severity.fromConfigName(severity), labels);
                out.add(new RuleConfig(spec, sources, notify, repeat, enabled, block, origin));
            }
        }
    }

    private static void checkRuleReferences(List<RuleConfig> rules, Set<String> sources, Set<String> notifiers,
                                            List<Problem> problems) {
        Map<String, RuleConfig> seen = new HashMap<>();
        for (RuleConfig rule : rules) {
            RuleConfig first = seen.putIfAbsent(rule.name(), rule);
            if (first != null) {
                problems.add(new Problem(rule.origin(), "rules[" + rule.name() + "].name",
                        "expected a unique rule name; '" + rule.name() + "' is also defined at " + first.origin()));
            }
            if (sources == null) {
                continue; // rules on their own: references are checked against an agent config only
            }
            for (String s : rule.sources()) {
                if (!sources.contains(s)) {
                    problems.add(new Problem(rule.origin(), "rules[" + rule.name() + "].sources",
                            "expected one of the configured sources (" + String.join(", ", new TreeSet<>(sources)) + "), got '" + s + "'"));
                }
            }
            for (String n : rule.notifiers()) {
                if (!notifiers.contains(n)) {
                    problems.add(new Problem(rule.origin(), "rules[" + rule.name() + "].notify",
                            "expected one of the configured notifiers (" + String.join(", ", new TreeSet<>(notifiers)) + "), got '" + n + "'"));
                }
            }
        }
    }

    /** A typesafe-config exception as a located problem. */
    static Problem problemOf(ConfigException e, String fallbackOrigin) {
        String origin = e.origin() != null ? ConfigReader.describe(e.origin()) : fallbackOrigin;
        String msg = e.getMessage();
        // typesafe prefixes its message with the origin description; keep only the explanation.
        if (e.origin() != null) {
            String prefix = e.origin().description() + ": ";
            if (msg.startsWith(prefix)) {
                msg = msg.substring(prefix.length());
            }
        }
        return new Problem(origin, "", msg);
    }

    static Set<String> ruleCommonKeys() {
        return RULE_COMMON_KEYS;
    }
}
