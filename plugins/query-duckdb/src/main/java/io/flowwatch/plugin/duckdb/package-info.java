/**
 * The {@code duckdb} query engine: an embedded, in-memory DuckDB over the flow-log files of a local
 * directory tree (gzip or plain text with header lines, and Parquet), exposed as the view
 * {@code flow_logs} with typed AWS fields and partition columns from the S3 layout. No network: the
 * engine never installs or loads DuckDB extensions (what it uses is built into the driver).
 */
package io.flowwatch.plugin.duckdb;
