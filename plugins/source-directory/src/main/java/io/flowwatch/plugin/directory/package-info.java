/**
 * The {@code directory} source: flow-log files ({@code .log}, {@code .log.gz}) under a local
 * directory, flat or in the S3 delivery layout, read in key order by one background reader thread,
 * with one {@link io.flowwatch.api.source.Position} per file so a restart resumes mid-file.
 */
package io.flowwatch.plugin.directory;
