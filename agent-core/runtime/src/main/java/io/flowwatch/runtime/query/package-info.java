/**
 * Scheduled query rules ({@code type = query}): SQL on a query engine every {@code schedule},
 * aligned to wall-clock boundaries, over the window since the last run; result rows become
 * alerts through the same alert lifecycle and outbox as streaming rules.
 */
package io.flowwatch.runtime.query;
