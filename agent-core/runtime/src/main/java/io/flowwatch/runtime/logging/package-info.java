/**
 * Logging glue for logback: secret masking in every log format (text, journal, JSON), the format
 * and per-logger levels chosen from the environment ({@code FLOWWATCH_LOG_FORMAT},
 * {@code FLOWWATCH_LOG_LEVELS}), and journald's priority prefix.
 */
package io.flowwatch.runtime.logging;
