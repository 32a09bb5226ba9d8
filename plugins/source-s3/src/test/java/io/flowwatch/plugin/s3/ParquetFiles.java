package io.flowwatch.plugin.s3;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

/** Writes Parquet test objects with DuckDB's COPY, gzip-compressed columns as AWS delivers them. */
final class ParquetFiles {

    private ParquetFiles() {
    }

    static byte[] write(Path dir, String select) throws Exception {
        Path file = Files.createTempFile(dir, "test-", ".parquet");
        Files.delete(file);
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement st = c.createStatement()) {
            st.execute("COPY (" + select + ") TO '" + file + "' (FORMAT parquet, COMPRESSION gzip)");
        }
        byte[] bytes = Files.readAllBytes(file);
        Files.delete(file);
        return bytes;
    }
}
