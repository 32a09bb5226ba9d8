package io.flowwatch.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Decompression alone: reads every {@code .gz} under a directory with plain
 * {@link GZIPInputStream} on one thread, counting lines. The yardstick for {@code run --once}.
 */
public final class GunzipBaseline {

    public static void main(String[] args) throws IOException {
        Path dir = Paths.get(args[0]);
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(p -> p.toString().endsWith(".gz")).sorted().collect(Collectors.toList());
        }
        long start = System.nanoTime();
        long lines = 0;
        long bytes = 0;
        byte[] buf = new byte[1 << 16];
        for (Path f : files) {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(f), 1 << 16)) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    bytes += n;
                    for (int i = 0; i < n; i++) {
                        if (buf[i] == '\n') {
                            lines++;
                        }
                    }
                }
            }
        }
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf("gunzip-baseline: %d lines (%d MB) in %.2f s = %.2f M lines/s%n",
                lines, bytes >> 20, secs, lines / secs / 1e6);
    }
}
