/**
 * The {@code webhook} notifier: posts each alert as the DESIGN.md alert JSON to an HTTP(S)
 * endpoint, optionally signed with HMAC-SHA256, and maps the answer to a delivery outcome.
 */
package io.flowwatch.plugin.webhook;
