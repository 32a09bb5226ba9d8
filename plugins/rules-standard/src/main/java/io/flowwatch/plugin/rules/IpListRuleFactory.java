package io.flowwatch.plugin.rules;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.flowwatch.api.FlowwatchException;
import io.flowwatch.api.PluginContext;
import io.flowwatch.api.config.ConfigReader;
import io.flowwatch.api.rule.Rule;
import io.flowwatch.api.rule.RuleSpec;
import io.flowwatch.api.rule.RuleTypeFactory;
import io.flowwatch.plugin.rules.iplist.IpListFiles;
import io.flowwatch.plugin.rules.predicate.RecordCondition;
import io.flowwatch.plugin.rules.predicate.RecordConditions;
import org.pf4j.Extension;

import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code type = ip-list}: traffic from and/or to addresses on IP/CIDR list files (threat intel).
 *
 * <p>Keys: {@code files} (paths; a relative path is resolved against the directory of the rule
 * file that names it, or the working directory when the config has no file origin), {@code match}
 * ({@code srcaddr}, {@code dstaddr} or {@code either}), {@code group-by}, {@code window},
 * {@code reload-interval}, {@code max-keys}. Here {@code match} names the address to look up, so the
 * record condition comes from {@code pattern} or {@code where} only. The files are read while
 * creating the rule: an unreadable file or a bad line is a problem naming the path (and line).
 */
@Extension
public final class IpListRuleFactory implements RuleTypeFactory {

    private static final Set<String> DIRECTIONS = Set.of("srcaddr", "dstaddr", "either");

    @Override
    public String type() {
        return "ip-list";
    }

    @Override
    public Rule create(RuleSpec spec, Config config, PluginContext ctx) {
        String prefix = "rules[" + spec.name() + "]";
        ConfigReader r = new ConfigReader(config, prefix);
        // `match` is this type's direction, not a field-equality block: read the condition without it.
        ConfigReader conditionReader = new ConfigReader(config.withoutPath("match"), prefix);
        RecordCondition when = RecordConditions.fromRule(conditionReader, ctx.metrics());
        String direction = r.oneOf("match", DIRECTIONS);
        List<String> groupBy = r.stringList("group-by");
        Duration window = r.duration("window");
        if (r.has("window") && window.toSeconds() < 1 && r.problems().isEmpty()) {
            r.problem("window", "expected a window of at least 1s");
        }
        Duration reload = r.duration("reload-interval");
        int maxKeys = r.integer("max-keys", 1, 10_000_000);
        List<Path> files = files(r);

        List<FlowwatchException.Problem> problems = new ArrayList<>(r.problems());
        problems.addAll(conditionReader.problems());
        IpListFiles.Loaded loaded = null;
        List<IpListFiles.Stamp> stamps = new ArrayList<>();
        if (problems.isEmpty()) {
            // Stamps first: a file that changes while being read is then re-read on the next check.
            for (Path p : files) {
                stamps.add(IpListFiles.stamp(p));
            }
            try {
                loaded = IpListFiles.read(files);
                for (IpListFiles.BadLine bad : loaded.badLines()) {
                    problems.add(new FlowwatchException.Problem(bad.location(), prefix + ".files",
                            bad.reason() + ", got '" + bad.text() + "'"));
                }
                int more = loaded.badLineCount() - loaded.badLines().size();
                if (more > 0) {
                    problems.add(new FlowwatchException.Problem(r.originOf("files"), prefix + ".files",
                            more + " more bad lines in the list files"));
                }
            } catch (IOException e) {
                problems.add(new FlowwatchException.Problem(r.originOf("files"), prefix + ".files", e.getMessage()));
            }
        }
        if (!problems.isEmpty()) {
            throw new FlowwatchException(problems);
        }
        return new IpListRule(spec, new IpListRule.Settings(when, groupBy, files, IpListRule.Direction.fromConfigName(direction),
                window.toSeconds(), reload.toMillis(), maxKeys), loaded, stamps, ctx.clock(), ctx.metrics());
    }

    /** The list paths, each relative one resolved against the directory of the file that wrote it. */
    private static List<Path> files(ConfigReader r) {
        if (!r.has("files")) {
            r.problem("files", "expected a list of IP list file paths, but the key is missing");
            return List.of();
        }
        List<Path> files = new ArrayList<>();
        try {
            for (ConfigValue v : r.config().getList("files")) {
                if (v.valueType() != ConfigValueType.STRING) {
                    r.problem("files", "expected a list of file paths, got " + v.render());
                    continue;
                }
                String text = (String) v.unwrapped();
                try {
                    Path p = Path.of(text);
                    if (!p.isAbsolute()) {
                        String ruleFile = v.origin() == null ? null : v.origin().filename();
                        Path base = ruleFile == null ? null : Path.of(ruleFile).toAbsolutePath().getParent();
                        p = base == null ? p.toAbsolutePath() : base.resolve(p);
                    }
                    files.add(p.normalize());
                } catch (InvalidPathException e) {
                    r.problem("files", "expected a file path, got '" + text + "': " + e.getReason());
                }
            }
        } catch (ConfigException.WrongType e) {
            r.problem("files", "expected a list of file paths, e.g. [\"/etc/flowwatch/lists/tor-exits.txt\"]");
        }
        if (files.isEmpty() && r.problems().stream().noneMatch(p -> p.key().endsWith(".files"))) {
            r.problem("files", "expected at least one IP list file");
        }
        return files;
    }
}
