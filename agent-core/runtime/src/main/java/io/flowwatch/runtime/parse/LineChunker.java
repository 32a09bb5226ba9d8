package io.flowwatch.runtime.parse;

import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.source.LineChunk;
import io.flowwatch.api.source.Newlines;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;

/**
 * Cuts a byte stream into {@link LineChunk}s of whole lines with their line numbers, for tools
 * that read files directly ({@code flowwatch parse}, benchmarks). Gzip is detected by its magic
 * bytes, whatever the file is called.
 */
public final class LineChunker {

    private final int chunkSize;

    public LineChunker(int chunkSize) {
        this.chunkSize = chunkSize;
    }

    /** Wraps the stream in gzip when it starts with the gzip magic bytes. */
    public static InputStream maybeGunzip(InputStream raw) throws IOException {
        BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
        in.mark(2);
        int b1 = in.read();
        int b2 = in.read();
        in.reset();
        if (b1 == 0x1f && b2 == 0x8b) {
            return new GZIPInputStream(in, 1 << 16);
        }
        return in;
    }

    /**
     * Reads everything and hands over chunks in order. A read error (e.g. a truncated gzip) is
     * thrown after every whole line before it has been handed over; its message names the line
     * reached.
     */
    public void chunk(InputStream in, String origin, FlowFormat format, Consumer<LineChunk> out) throws IOException {
        byte[] buf = new byte[chunkSize];
        int filled = 0;
        long line = 1;
        while (true) {
            int n;
            try {
                n = in.read(buf, filled, buf.length - filled);
            } catch (IOException e) {
                if (filled > 0) {
                    int cut = lastNewline(buf, filled);
                    if (cut >= 0) {
                        line = emit(buf, cut + 1, origin, line, format, out);
                    }
                }
                throw new IOException(origin + ": read failed after line " + (line - 1) + ": " + e.getMessage(), e);
            }
            if (n < 0) {
                if (filled > 0) {
                    emit(buf, filled, origin, line, format, out);
                }
                return;
            }
            filled += n;
            if (filled == buf.length) {
                int cut = lastNewline(buf, filled);
                if (cut < 0) {
                    // One line longer than the whole buffer: grow rather than split a record.
                    buf = Arrays.copyOf(buf, buf.length * 2);
                    continue;
                }
                line = emit(buf, cut + 1, origin, line, format, out);
                byte[] next = new byte[Math.max(chunkSize, filled - cut - 1 + 1)];
                System.arraycopy(buf, cut + 1, next, 0, filled - cut - 1);
                filled = filled - cut - 1;
                buf = next;
            }
        }
    }

    private static long emit(byte[] buf, int len, String origin, long line, FlowFormat format, Consumer<LineChunk> out) {
        out.accept(new LineChunk(origin, line, buf, 0, len, format, null));
        return line + Newlines.count(buf, 0, len);
    }

    private static int lastNewline(byte[] buf, int len) {
        return Newlines.lastIndexOf(buf, 0, len);
    }
}
