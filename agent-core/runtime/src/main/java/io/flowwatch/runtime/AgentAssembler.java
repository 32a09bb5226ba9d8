package io.flowwatch.runtime;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.flowwatch.api.FlowwatchException;
import io.flowwatch.api.FlowwatchException.Problem;
import io.flowwatch.api.PluginMetrics;
import io.flowwatch.api.notify.Notifier;
import io.flowwatch.api.notify.NotifierFactory;
import io.flowwatch.api.query.QueryEngine;
import io.flowwatch.api.query.QueryEngineFactory;
import io.flowwatch.api.rule.Rule;
import io.flowwatch.api.rule.RuleTypeFactory;
import io.flowwatch.api.source.Source;
import io.flowwatch.api.source.SourceFactory;
import io.flowwatch.runtime.alert.AlertTracker;
import io.flowwatch.runtime.config.AgentConfig;
import io.flowwatch.runtime.config.ComponentConfig;
import io.flowwatch.runtime.config.RuleConfig;
import io.flowwatch.runtime.logging.SecretMasker;
import io.flowwatch.runtime.metrics.PluginMetricsFacade;
import io.flowwatch.runtime.notify.DeliverySettings;
import io.flowwatch.runtime.query.QueryRuleSpec;
import io.flowwatch.runtime.pipeline.BoundRule;
import io.flowwatch.runtime.plugin.ExtensionKind;
import io.flowwatch.runtime.plugin.PluginCatalog;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Builds every configured instance (sources, notifiers, query engines, rules) from an
 * {@link AgentConfig} through the plugin factories, off to the side: nothing is started, so
 * {@code validate} and reload use the same path as start-up. Every problem of every block is
 * collected before giving up.
 */
public final class AgentAssembler {

    /** The built graph, ready to start. */
    public record Assembled(AgentConfig config, Map<String, Source> sources, Map<String, Notifier> notifiers,
                            Map<String, DeliverySettings> delivery, Map<String, QueryEngine> queryEngines,
                            List<BoundRule> rules, List<QueryRuleSpec> queryRules) {
    }

    private final PluginCatalog catalog;
    private final Clock clock;
    private final PluginMetricsFacade.Shared metrics;

    /** @param metrics where plugin metrics go; null for validation only */
    public AgentAssembler(PluginCatalog catalog, Clock clock, PluginMetricsFacade.Shared metrics) {
        this.catalog = catalog;
        this.clock = clock;
        this.metrics = metrics;
    }

    /** Builds the graph or throws one {@link FlowwatchException} listing every problem. */
    public Assembled assemble(AgentConfig config) {
        return assemble(config, Map.of());
    }

    /**
     * Builds the graph, reusing the instances (and so the state) of {@code previous} rules whose
     * definition did not change; throws one {@link FlowwatchException} listing every problem.
     */
    public Assembled assemble(AgentConfig config, Map<String, BoundRule> previous) {
        List<Problem> problems = new ArrayList<>();
        Map<String, Source> sources = new LinkedHashMap<>();
        for (ComponentConfig c : config.sources().values()) {
            build(ExtensionKind.SOURCE, SourceFactory.class, c, config, problems)
                    .ifPresent(f -> create(c, problems, () -> f.factory.create(f.block, f.ctx)).ifPresent(s -> sources.put(c.name(), s)));
        }
        Map<String, Notifier> notifiers = new LinkedHashMap<>();
        for (ComponentConfig c : config.notifiers().values()) {
            build(ExtensionKind.NOTIFIER, NotifierFactory.class, c, config, problems)
                    .ifPresent(f -> create(c, problems, () -> f.factory.create(f.block, f.ctx)).ifPresent(n -> notifiers.put(c.name(), n)));
        }
        Map<String, DeliverySettings> delivery = new LinkedHashMap<>();
        for (ComponentConfig c : config.notifiers().values()) {
            // The block's own delivery, then its type's defaults (a console needs no rate limit), then the runtime's.
            Config block = c.block();
            Optional<PluginCatalog.Registered<NotifierFactory>> reg = catalog.find(ExtensionKind.NOTIFIER, c.type(), NotifierFactory.class);
            if (reg.isPresent()) {
                block = block.withFallback(reg.get().defaults());
            }
            if (c.deliveryDefaults() != null) {
                block = block.withFallback(c.deliveryDefaults().atKey("delivery"));
            }
            delivery.put(c.name(), DeliverySettings.from(block, c.path(), problems));
        }
        Map<String, QueryEngine> engines = new LinkedHashMap<>();
        for (ComponentConfig c : config.queryEngines().values()) {
            build(ExtensionKind.QUERY_ENGINE, QueryEngineFactory.class, c, config, problems)
                    .ifPresent(f -> create(c, problems, () -> f.factory.create(f.block, f.ctx)).ifPresent(q -> engines.put(c.name(), q)));
        }
        List<RuleConfig> streaming = new ArrayList<>();
        List<QueryRuleSpec> queryRules = new ArrayList<>();
        for (RuleConfig rc : config.rules()) {
            if (rc.spec().type().equals(QueryRuleSpec.TYPE)) {
                if (rc.enabled()) {
                    queryRules.add(QueryRuleSpec.read(rc, config.queryEngines().keySet(), problems));
                }
            } else {
                streaming.add(rc);
            }
        }
        for (QueryRuleSpec q : queryRules) {
            QueryEngine engine = engines.get(q.engine());
            if (engine != null && q.sql() != null) {
                try {
                    engine.validate(q.sql(), java.util.Set.of("window_start", "window_end"));
                } catch (Exception e) {
                    problems.add(new Problem(originOf(q.rule().block(), "sql", q.rule().origin()), "rules[" + q.rule().name() + "].sql",
                            "expected a query engine " + q.engine() + " accepts: " + e.getMessage()));
                }
            }
        }
        List<BoundRule> rules = assembleRules(streaming, config.stateDir(), problems, previous);
        if (!problems.isEmpty()) {
            throw new FlowwatchException(problems);
        }
        return new Assembled(config, sources, notifiers, delivery, engines, rules, queryRules);
    }

    /** Builds the enabled rules through their plugins' factories; problems go to {@code problems}. */
    public List<BoundRule> assembleRules(List<RuleConfig> ruleConfigs, Path stateDir, List<Problem> problems) {
        // Query rules run on a schedule against an engine, not on the record stream (see QueryRuleRunner).
        return assembleRules(ruleConfigs.stream().filter(rc -> !rc.spec().type().equals(QueryRuleSpec.TYPE)).toList(),
                stateDir, problems, Map.of());
    }

    private List<BoundRule> assembleRules(List<RuleConfig> ruleConfigs, Path stateDir, List<Problem> problems,
                                          Map<String, BoundRule> previous) {
        List<BoundRule> rules = new ArrayList<>();
        for (RuleConfig rc : ruleConfigs) {
            if (!rc.enabled()) {
                continue;
            }
            BoundRule kept = previous.get(rc.name());
            if (kept != null && kept.config().sameDefinition(rc)) {
                rules.add(new BoundRule(rc, kept.rule(), kept.tracker()));
                continue;
            }
            String label = "rules[" + rc.name() + "]";
            Optional<PluginCatalog.Registered<RuleTypeFactory>> reg =
                    catalog.find(ExtensionKind.RULE_TYPE, rc.spec().type(), RuleTypeFactory.class);
            if (reg.isEmpty()) {
                problems.add(new Problem(originOf(rc.block(), "type", rc.origin()), label + ".type",
                        unknownType(ExtensionKind.RULE_TYPE, rc.spec().type())));
                continue;
            }
            Config block = rc.block().withFallback(reg.get().defaults());
            AgentPluginContext ctx = context("rule", rc.name(), stateDir.resolve("rules"));
            create(rc.origin(), label, problems, () -> reg.get().factory().create(rc.spec(), block, ctx))
                    .ifPresent(rule -> rules.add(new BoundRule(rc, rule, new AlertTracker(rc.spec(), rc.repeatInterval()))));
        }
        return rules;
    }

    private record Found<F>(F factory, Config block, AgentPluginContext ctx) {
    }

    private <F> Optional<Found<F>> build(ExtensionKind kind, Class<F> type, ComponentConfig c, AgentConfig config,
                                         List<Problem> problems) {
        Optional<PluginCatalog.Registered<F>> reg = catalog.find(kind, c.type(), type);
        if (reg.isEmpty()) {
            problems.add(new Problem(originOf(c.block(), "type", c.origin()), c.path() + ".type", unknownType(kind, c.type())));
            return Optional.empty();
        }
        Config block = c.block().withFallback(reg.get().defaults());
        for (String secretKey : secretKeys(reg.get().factory())) {
            try {
                if (block.hasPath(secretKey)) {
                    SecretMasker.register(block.getString(secretKey));
                }
            } catch (ConfigException e) {
                // a wrongly typed secret is reported by the factory itself
            }
        }
        String label = switch (kind) {
            case SOURCE -> "source";
            case NOTIFIER -> "notifier";
            case QUERY_ENGINE -> "engine";
            case RULE_TYPE -> "rule";
        };
        AgentPluginContext ctx = context(label, c.name(), config.stateDir().resolve(kind.section()));
        return Optional.of(new Found<>(reg.get().factory(), block, ctx));
    }

    private AgentPluginContext context(String label, String name, Path stateRoot) {
        PluginMetrics m = metrics == null ? PluginMetrics.NONE : new PluginMetricsFacade(metrics, label, name);
        return new AgentPluginContext(name, clock, stateRoot.resolve(name.replaceAll("[^A-Za-z0-9._-]", "_")), m,
                label + "-" + name);
    }

    private static Set<String> secretKeys(Object factory) {
        if (factory instanceof SourceFactory f) {
            return f.secretKeys();
        }
        if (factory instanceof NotifierFactory f) {
            return f.secretKeys();
        }
        if (factory instanceof QueryEngineFactory f) {
            return f.secretKeys();
        }
        return Set.of();
    }

    private String unknownType(ExtensionKind kind, String type) {
        List<String> known = new ArrayList<>(catalog.types(kind));
        if (kind == ExtensionKind.RULE_TYPE) {
            known.add(QueryRuleSpec.TYPE); // built into the runtime
            known.sort(null);
        }
        return "expected one of the " + kind.section() + " types the loaded plugins provide ("
                + (known.isEmpty() ? "none" : String.join(", ", known)) + "), got '" + type + "'";
    }

    private static <T> Optional<T> create(ComponentConfig c, List<Problem> problems, java.util.function.Supplier<T> creator) {
        return create(c.origin(), c.path(), problems, creator);
    }

    private static <T> Optional<T> create(String origin, String path, List<Problem> problems, java.util.function.Supplier<T> creator) {
        try {
            return Optional.of(creator.get());
        } catch (FlowwatchException e) {
            if (e.problems().isEmpty()) {
                problems.add(new Problem(origin, path, e.getMessage()));
            } else {
                problems.addAll(e.problems());
            }
        } catch (ConfigException e) {
            problems.add(new Problem(e.origin() == null ? origin : io.flowwatch.api.config.ConfigReader.describe(e.origin()),
                    path, e.getMessage()));
        } catch (RuntimeException | LinkageError e) {
            // A plugin bug must surface as a located problem, not a stack trace at start-up.
            problems.add(new Problem(origin, path, "plugin failed to build it: " + e));
        }
        return Optional.empty();
    }

    private static String originOf(Config block, String key, String fallback) {
        try {
            return block.hasPath(key) ? io.flowwatch.api.config.ConfigReader.describe(block.getValue(key).origin()) : fallback;
        } catch (ConfigException e) {
            return fallback;
        }
    }
}
