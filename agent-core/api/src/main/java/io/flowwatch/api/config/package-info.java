/** Typed, problem-collecting reading of plugin config blocks, with {@code file:line} origins. */
package io.flowwatch.api.config;
