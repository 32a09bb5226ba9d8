/**
 * The {@code email} notifier: one SMTP submission per alert (Jakarta Mail, Angus implementation),
 * multipart/alternative text and HTML rendered from mustache templates, with headers that let
 * mail clients thread an alert's firing and resolved mails and de-duplicate redeliveries.
 */
package io.flowwatch.plugin.email;
