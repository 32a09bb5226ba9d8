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
 * {@link GZIPInputStream} on N threads (default 1; one file per thread at a time), counting lines. The yardstick for {@code run --once}.
 */
public final class GunzipBaseline {

    /** Usage: GunzipBaseline DIR [THREADS]. */
    public static void main(String[] args) throws IOException {
        Path dir = Paths.get(args[0]);
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(p -> p.toString().endsWith(".gz")).sorted().collect(Collectors.toList());
        }
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        long start = System.nanoTime();
        java.util.concurrent.atomic.AtomicLong lines = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
        for (Path f : files) {
            done.add(pool.submit(() -> {
                byte[] buf = new byte[1 << 16];
                long l = 0;
                long b = 0;
                try (InputStream in = new GZIPInputStream(Files.newInputStream(f), 1 << 16)) {
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        b += n;
                        for (int i = 0; i < n; i++) {
                            if (buf[i] == '\n') {
                                l++;
                            }
                        }
                    }
                }
                lines.addAndGet(l);
                bytes.addAndGet(b);
                return null;
            }));
        }
        try {
            for (java.util.concurrent.Future<?> d : done) {
                d.get();
            }
        } catch (Exception e) {
            throw new IOException(e);
        } finally {
            pool.shutdown();
        }
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf("gunzip-baseline (%d thread%s): %d lines (%d MB) in %.2f s = %.2f M lines/s%n",
                threads, threads == 1 ? "" : "s", lines.get(), bytes.get() >> 20, secs, lines.get() / secs / 1e6);
    }
}
