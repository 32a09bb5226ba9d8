/**
 * CloudWatch Logs filter patterns ({@link io.flowwatch.plugin.rules.pattern.FilterPattern}):
 * parsing with positioned errors, and allocation-free matching of flow records.
 */
package io.flowwatch.plugin.rules.pattern;
