/** The source extension point: where raw flow-log input comes from, and how progress is described. */
package io.flowwatch.api.source;
