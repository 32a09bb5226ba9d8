/**
 * What every AWS plugin needs once: region, credentials through the SDK's default provider chain
 * (or a named profile), an optional role to assume, an endpoint override for local and
 * S3-compatible endpoints, and API-call metrics. A library bundled into each AWS plugin's zip,
 * not a plugin of its own.
 */
package io.flowwatch.plugin.aws;
