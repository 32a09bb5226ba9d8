/**
 * Rule unit tests ({@code flowwatch test-rules}), in the manner of {@code promtool test rules}: a
 * HOCON file names rule files, gives input lines with their times, and the alerts expected at
 * chosen evaluation times. The rules run through the same plugins, engine and alert tracker as
 * the agent, in event time, with no sources or notifiers.
 */
package io.flowwatch.runtime.ruletest;
