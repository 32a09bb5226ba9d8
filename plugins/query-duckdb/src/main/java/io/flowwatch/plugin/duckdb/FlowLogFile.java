package io.flowwatch.plugin.duckdb;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * One readable flow-log object under the engine's root, with what the view needs to read it.
 *
 * @param path      the file
 * @param kind      how DuckDB reads it
 * @param partition the partition values its path gives
 * @param columns   its columns in file order, typed; for text with {@code header} true they come from the header line
 * @param header    for text: whether the first line is a header to skip
 */
record FlowLogFile(Path path, Kind kind, Partition partition, List<Column> columns, boolean header) {

    /** How a file is read. */
    enum Kind {
        TEXT_GZIP, TEXT_PLAIN, PARQUET
    }

    /**
     * A column of a file.
     *
     * @param source  the name in the file (text: any name, DuckDB names it; Parquet: the stored name)
     * @param name    the view's column name: hyphens become underscores
     * @param sqlType the view's type
     */
    record Column(String source, String name, String sqlType) {
    }

    /** Partition values from the path; each null where the layout does not give it. */
    record Partition(String region, Integer year, Integer month, Integer day, Integer hour) {
        static final Partition NONE = new Partition(null, null, null, null, null);
    }

    FlowLogFile {
        Objects.requireNonNull(path, "path");
        columns = List.copyOf(columns);
    }
}
