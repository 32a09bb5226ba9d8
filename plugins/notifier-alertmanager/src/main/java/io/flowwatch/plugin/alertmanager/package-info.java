/**
 * The {@code alertmanager} notifier: posts each alert to a Prometheus Alertmanager through its
 * v2 API ({@code POST /api/v2/alerts}), firing alerts open and resolved ones with {@code endsAt}.
 */
package io.flowwatch.plugin.alertmanager;
