/**
 * The standard rule types: {@code frequency} (records per key and window), {@code cardinality}
 * (distinct values of a field per key and window) and {@code spike} (a key's volume per window
 * against its own baseline), all on the shared tumbling-window bookkeeping of
 * {@code TumblingWindows}, with the record condition from {@code predicate}.
 */
package io.flowwatch.plugin.rules;
