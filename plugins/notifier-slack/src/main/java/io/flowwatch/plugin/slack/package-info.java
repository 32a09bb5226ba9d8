/**
 * The {@code slack} notifier: renders each alert as a Block Kit message (mrkdwn-escaped, colour
 * per severity) and posts it to a Slack incoming webhook.
 */
package io.flowwatch.plugin.slack;
