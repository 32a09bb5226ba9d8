/**
 * The standard rule types. This first cut has {@code frequency} with a field-equality
 * {@code match}; CloudWatch filter patterns, CEL {@code where} and the other types build on it.
 */
package io.flowwatch.plugin.rules;
