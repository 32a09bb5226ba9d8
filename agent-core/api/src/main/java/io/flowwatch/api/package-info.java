/**
 * The flowwatch plugin SPI: what plugins compile against, and nothing else. Four extension
 * points ({@link io.flowwatch.api.source.SourceFactory}, {@link io.flowwatch.api.query.QueryEngineFactory},
 * {@link io.flowwatch.api.rule.RuleTypeFactory}, {@link io.flowwatch.api.notify.NotifierFactory}),
 * the values they exchange, and {@link io.flowwatch.api.FlowwatchException}.
 *
 * <p>The runtime loads this package, typesafe-config and slf4j parent-first: plugins must take
 * them as {@code provided} and never bundle them.
 */
package io.flowwatch.api;
