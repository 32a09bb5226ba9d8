/**
 * The {@code cloudwatch-logs} source: follows a CloudWatch Logs log group of VPC flow logs with
 * {@code FilterLogEvents}, re-reading an overlap window for late events and skipping re-reads by
 * event id, paced under the API's per-account request quota, with one
 * {@link io.flowwatch.api.source.Position} per log group.
 */
package io.flowwatch.plugin.cloudwatch;
