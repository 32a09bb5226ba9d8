package io.flowwatch.api.rule;

import java.util.Map;

/**
 * Where a rule reports what it finds. Provided by the runtime; only valid during the call it was
 * passed to, on the evaluator thread.
 */
public interface RuleOutput {

    /** The key breaches (again). The runtime dedupes repeats and applies {@code repeat-interval}. */
    void firing(Signal signal);

    /** The key no longer breaches as of {@code eventTime} (epoch seconds). Ignored when not firing. */
    void resolved(Map<String, String> key, long eventTime);
}
