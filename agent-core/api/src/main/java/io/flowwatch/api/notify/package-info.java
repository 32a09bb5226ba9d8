/** The notifier extension point: single delivery attempts; the runtime owns retries and the outbox. */
package io.flowwatch.api.notify;
