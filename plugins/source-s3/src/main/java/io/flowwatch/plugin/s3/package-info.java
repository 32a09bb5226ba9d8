/**
 * The {@code s3} source: VPC flow logs that AWS delivers to an S3 bucket ({@code .log.gz} text with a
 * header line, plain {@code .log}, and Parquet), listed per account/region partition in key order
 * with {@code ListObjectsV2}/{@code StartAfter}, late deliveries caught by re-listing a short window
 * of recent days, and one {@link io.flowwatch.api.source.Position} per partition.
 */
package io.flowwatch.plugin.s3;
