/** The query-engine extension point: SQL over flow logs at rest (embedded or Athena). */
package io.flowwatch.api.query;
