/** The rule-type extension point: event-time state machines that turn records into signals. */
package io.flowwatch.api.rule;
