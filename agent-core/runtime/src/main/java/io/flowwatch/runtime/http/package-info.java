/** The agent's HTTP server: /metrics, /health and the status page, with optional basic auth and TLS. */
package io.flowwatch.runtime.http;
