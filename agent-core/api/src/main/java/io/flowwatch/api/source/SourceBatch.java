package io.flowwatch.api.source;

import io.flowwatch.api.record.FlowRecord;

import java.util.List;

/**
 * What one {@link Source#poll} returns: raw text chunks, already-typed records (for columnar
 * storage such as Parquet), and the positions that hold once all of them are processed.
 *
 * @param caughtUp true when the source has handed over everything available right now;
 *                 {@code run --once} stops reading a source at its first caught-up batch
 */
public record SourceBatch(List<LineChunk> chunks, List<FlowRecord> records, List<Position> positions, boolean caughtUp) {
    public SourceBatch {
        chunks = List.copyOf(chunks);
        records = List.copyOf(records);
        positions = List.copyOf(positions);
    }

    public static SourceBatch empty(boolean caughtUp) {
        return new SourceBatch(List.of(), List.of(), List.of(), caughtUp);
    }

    public boolean isEmpty() {
        return chunks.isEmpty() && records.isEmpty() && positions.isEmpty();
    }
}
