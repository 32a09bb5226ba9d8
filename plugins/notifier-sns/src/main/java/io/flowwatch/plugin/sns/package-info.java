/**
 * The {@code sns} notifier: publishes each alert to one Amazon SNS topic with the AWS SDK, one
 * {@code Publish} call per delivery attempt, text rendered from mustache templates.
 */
package io.flowwatch.plugin.sns;
