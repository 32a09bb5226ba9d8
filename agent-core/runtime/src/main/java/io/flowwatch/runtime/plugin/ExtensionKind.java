package io.flowwatch.runtime.plugin;

import io.flowwatch.api.notify.NotifierFactory;
import io.flowwatch.api.query.QueryEngineFactory;
import io.flowwatch.api.rule.RuleTypeFactory;
import io.flowwatch.api.source.SourceFactory;
import org.pf4j.ExtensionPoint;

/** The four extension points, with the config section each one's instances live in. */
public enum ExtensionKind {
    SOURCE("sources", SourceFactory.class),
    QUERY_ENGINE("query-engines", QueryEngineFactory.class),
    RULE_TYPE("rules", RuleTypeFactory.class),
    NOTIFIER("notifiers", NotifierFactory.class);

    private final String section;
    private final Class<? extends ExtensionPoint> factoryClass;

    ExtensionKind(String section, Class<? extends ExtensionPoint> factoryClass) {
        this.section = section;
        this.factoryClass = factoryClass;
    }

    /** The config section, also the key under {@code flowwatch.defaults} in a plugin's reference.conf. */
    public String section() {
        return section;
    }

    public Class<? extends ExtensionPoint> factoryClass() {
        return factoryClass;
    }

    /** The factory's {@code type()}, read through the interface each kind declares. */
    String typeOf(Object factory) {
        if (factory instanceof SourceFactory f) {
            return f.type();
        }
        if (factory instanceof QueryEngineFactory f) {
            return f.type();
        }
        if (factory instanceof RuleTypeFactory f) {
            return f.type();
        }
        if (factory instanceof NotifierFactory f) {
            return f.type();
        }
        throw new IllegalArgumentException("not a flowwatch factory: " + factory.getClass());
    }
}
