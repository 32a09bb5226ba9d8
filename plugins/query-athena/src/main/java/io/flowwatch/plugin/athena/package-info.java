/**
 * The {@code athena} query engine: SQL over flow logs in S3 run by Amazon Athena, with execution
 * parameters for {@code ${name}} placeholders, polling with backoff, paged results, a timeout and
 * a per-query scan limit that stop the query, and bytes scanned as a metric.
 */
package io.flowwatch.plugin.athena;
