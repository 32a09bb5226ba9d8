/** The alert lifecycle per rule and key ({@link io.flowwatch.runtime.alert.AlertTracker}) and the recent-alerts view. */
package io.flowwatch.runtime.alert;
