package io.flowwatch.api.source;

import io.flowwatch.api.record.FlowFormat;

import java.util.Objects;

/**
 * Raw flow-log text as read: whole lines separated by {@code '\n'} (a trailing {@code '\r'} is
 * ignored), from one origin.
 *
 * @param origin     where the lines came from, for error messages: a file path, an S3 key, a stream
 * @param firstLine  the 1-based line number of the first line in {@code data}
 * @param data       the bytes; the chunk refers to {@code data[offset, offset+length)} and the
 *                   source must not change them after handing the chunk over
 * @param format     the format of these lines, or null for the source's configured format (a header
 *                   line found at line 1 overrides both)
 * @param eventTimes per-line fallback event times (epoch seconds) for formats without {@code start}
 *                   (e.g. CloudWatch event timestamps), or null
 */
public record LineChunk(String origin, long firstLine, byte[] data, int offset, int length,
                        FlowFormat format, long[] eventTimes) {
    public LineChunk {
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(data, "data");
        if (offset < 0 || length < 0 || offset + length > data.length) {
            throw new IllegalArgumentException("chunk range outside data");
        }
        if (firstLine < 1) {
            throw new IllegalArgumentException("firstLine must be 1 or more");
        }
    }

    public static LineChunk of(String origin, long firstLine, byte[] data, FlowFormat format) {
        return new LineChunk(origin, firstLine, data, 0, data.length, format, null);
    }
}
