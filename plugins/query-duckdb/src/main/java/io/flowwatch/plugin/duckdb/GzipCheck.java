package io.flowwatch.plugin.duckdb;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** Finds gzip objects that do not decompress, to name them in an error DuckDB leaves anonymous. */
final class GzipCheck {

    private GzipCheck() {
    }

    /** Damaged gzip files among {@code files}, checking suspects (no readable first line) first, within {@code budget}. */
    static List<Path> damaged(List<FlowLogFile> files, Duration budget) {
        long deadline = System.nanoTime() + budget.toNanos();
        List<FlowLogFile> gz = new ArrayList<>(files.stream().filter(f -> f.kind() == FlowLogFile.Kind.TEXT_GZIP).toList());
        gz.sort(Comparator.comparing(f -> f.header() ? 1 : 0));
        List<Path> damaged = new ArrayList<>();
        byte[] buf = new byte[64 * 1024];
        for (FlowLogFile f : gz) {
            if (System.nanoTime() > deadline) {
                break;
            }
            try (InputStream in = new GZIPInputStream(Files.newInputStream(f.path()), 64 * 1024)) {
                while (in.read(buf) >= 0) {
                    // drain: only whether it decompresses matters
                }
            } catch (IOException | RuntimeException e) {
                damaged.add(f.path());
            }
        }
        return damaged;
    }
}
