package io.flowwatch.api.rule;

import com.typesafe.config.Config;
import io.flowwatch.api.PluginContext;
import org.pf4j.ExtensionPoint;

/**
 * Makes {@link Rule}s of one {@link #type()} (the {@code type} key of a rule in a rule file).
 *
 * <p><b>Contract.</b> Stateless; looked up once; {@link #create} may be called from any thread,
 * also just to validate (by {@code flowwatch validate} and on reload), so it must only parse and
 * check: no threads, no I/O other than reading files the rule names. All problems of one rule
 * are thrown together as a {@link io.flowwatch.api.FlowwatchException} with {@code file:line}
 * origins.
 */
public interface RuleTypeFactory extends ExtensionPoint {

    /** The rule type name used as {@code type = ...} in rule files, e.g. {@code frequency}. */
    String type();

    /**
     * @param spec   the common keys, already checked by the runtime
     * @param config the whole rule block, with this type's defaults applied
     */
    Rule create(RuleSpec spec, Config config, PluginContext ctx);
}
