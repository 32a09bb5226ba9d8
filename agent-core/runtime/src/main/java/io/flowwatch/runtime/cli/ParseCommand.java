package io.flowwatch.runtime.cli;

import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;
import io.flowwatch.api.source.LineChunk;
import io.flowwatch.runtime.parse.FlowLogParser;
import io.flowwatch.runtime.parse.LineChunker;
import io.flowwatch.runtime.parse.RecordJsonWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;

@Command(name = "parse", mixinStandardHelpOptions = true,
        description = {"Prints flow-log records as JSON lines: keys are AWS field names, numbers are numbers, '-' is null.",
                "Reads plain or gzip files, or standard input when no file (or '-') is given. A header line prints nothing;",
                "a malformed line prints nothing on stdout and a file:line message on stderr."})
public final class ParseCommand implements Callable<Integer> {

    @Option(names = {"-f", "--format"}, paramLabel = "FMT",
            description = "record format in AWS syntax, e.g. '${version} ${srcaddr} ${dstaddr}' (default: the version-2 default format; a header line overrides it)")
    String format;

    @Parameters(paramLabel = "FILE", description = "files to read (.log or .log.gz); '-' or none for standard input")
    List<Path> files;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final InputStream stdin;
    private final OutputStream stdout;
    private final PrintStream stderr;

    public ParseCommand() {
        // Not System.out: a PrintStream swallows write errors, so `flowwatch parse big.gz | head`
        // would read everything into a closed pipe. The descriptor itself reports EPIPE.
        this(System.in, new FileOutputStream(FileDescriptor.out), System.err);
    }

    ParseCommand(InputStream stdin, OutputStream stdout, PrintStream stderr) {
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    @Override
    public Integer call() throws IOException {
        FlowFormat fmt;
        try {
            fmt = format == null ? FlowFormat.DEFAULT
                    : format.contains("${") ? FlowFormat.parse(format) : FlowFormat.of(Arrays.asList(format.trim().split("\\s+")));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--format: " + e.getMessage());
        }
        FlowLogParser parser = new FlowLogParser(fmt);
        List<Path> inputs = files == null || files.isEmpty() ? List.of(Path.of("-")) : files;
        // Decompressing on its own thread while this one parses and writes: the two take about
        // the same time, so the command runs nearly twice as fast on two cores. Everything
        // (chunks, read failures, the end) comes through one queue, in input order.
        BlockingQueue<Object> queue = new ArrayBlockingQueue<>(4);
        Thread reader = new Thread(() -> read(inputs, queue), "parse-reader");
        reader.setDaemon(true);
        reader.start();
        int exit = FlowwatchCommand.OK;
        OutputStream out = new BufferedOutputStream(stdout, 1 << 16);
        try (RecordJsonWriter json = new RecordJsonWriter(out)) {
            FlowLogParser.Sink sink = new FlowLogParser.Sink() {
                @Override
                public void record(FlowRecord record) {
                    try {
                        json.write(record);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }

                @Override
                public void malformed(String origin, long lineNumber, String reason) {
                    stderr.println(origin + ":" + lineNumber + ": malformed record skipped: " + reason);
                }
            };
            while (true) {
                Object item = queue.take();
                if (item instanceof LineChunk chunk) {
                    parser.parse(chunk, sink);
                } else if (item instanceof ReadFailure failure) {
                    json.flush();
                    stderr.println(failure.message());
                    exit = FlowwatchCommand.FAILED;
                } else {
                    break; // END
                }
            }
        } catch (UncheckedIOException e) {
            // stdout closed (e.g. piped into head): stop quietly like other Unix tools.
            return exit;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return FlowwatchCommand.FAILED;
        } finally {
            reader.interrupt();
        }
        out.flush();
        return exit;
    }

    /** A file that could not be read (or read to its end), with the message to print. */
    private record ReadFailure(String message) {
    }

    private static final Object END = new Object();

    /** The reader thread: every input in order, as chunks, then {@link #END}. */
    private void read(List<Path> inputs, BlockingQueue<Object> queue) {
        LineChunker chunker = new LineChunker(1 << 20);
        try {
            for (Path file : inputs) {
                boolean isStdin = file.toString().equals("-");
                String origin = isStdin ? "<stdin>" : file.toString();
                try (InputStream in = LineChunker.maybeGunzip(isStdin ? stdin : Files.newInputStream(file))) {
                    chunker.chunk(in, origin, null, chunk -> {
                        try {
                            queue.put(chunk);
                        } catch (InterruptedException e) {
                            throw new Stopped();
                        }
                    });
                } catch (NoSuchFileException | FileNotFoundException e) {
                    queue.put(new ReadFailure(origin + ": cannot read: no such file"));
                } catch (AccessDeniedException e) {
                    queue.put(new ReadFailure(origin + ": cannot read: permission denied"));
                } catch (IOException e) {
                    queue.put(new ReadFailure(e.getMessage() != null && e.getMessage().startsWith(origin) ? e.getMessage()
                            : origin + ": cannot read: " + e.getMessage()));
                }
            }
        } catch (InterruptedException | Stopped e) {
            return; // the writer stopped (stdout closed): nothing is waiting for more
        } catch (RuntimeException e) {
            // A bug here must still end the command, with a message, rather than leave it waiting.
            offer(queue, new ReadFailure("flowwatch parse: reading stopped: " + e));
        }
        offer(queue, END);
    }

    private static void offer(BlockingQueue<Object> queue, Object item) {
        try {
            queue.put(item);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Unwinds the chunker when the writer has stopped taking chunks. */
    private static final class Stopped extends RuntimeException {
        Stopped() {
            super(null, null, false, false);
        }
    }
}
