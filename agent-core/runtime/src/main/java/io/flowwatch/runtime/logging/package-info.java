/** Logging glue: secret masking for every log line. */
package io.flowwatch.runtime.logging;
