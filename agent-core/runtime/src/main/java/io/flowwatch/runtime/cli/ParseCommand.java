package io.flowwatch.runtime.cli;

import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.api.record.FlowRecord;
import io.flowwatch.runtime.parse.FlowLogParser;
import io.flowwatch.runtime.parse.LineChunker;
import io.flowwatch.runtime.parse.RecordJsonWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedOutputStream;
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
        this(System.in, System.out, System.err);
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
        LineChunker chunker = new LineChunker(1 << 20);
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
            List<Path> inputs = files == null || files.isEmpty() ? List.of(Path.of("-")) : files;
            for (Path file : inputs) {
                boolean isStdin = file.toString().equals("-");
                String origin = isStdin ? "<stdin>" : file.toString();
                try (InputStream in = LineChunker.maybeGunzip(isStdin ? stdin : Files.newInputStream(file))) {
                    chunker.chunk(in, origin, null, c -> parser.parse(c, sink));
                } catch (NoSuchFileException | FileNotFoundException e) {
                    json.flush();
                    stderr.println(origin + ": cannot read: no such file");
                    exit = FlowwatchCommand.FAILED;
                } catch (AccessDeniedException e) {
                    json.flush();
                    stderr.println(origin + ": cannot read: permission denied");
                    exit = FlowwatchCommand.FAILED;
                } catch (IOException e) {
                    json.flush();
                    stderr.println(e.getMessage() != null && e.getMessage().startsWith(origin) ? e.getMessage()
                            : origin + ": cannot read: " + e.getMessage());
                    exit = FlowwatchCommand.FAILED;
                }
            }
        } catch (UncheckedIOException e) {
            // stdout closed (e.g. piped into head): stop quietly like other Unix tools.
            return exit;
        }
        out.flush();
        return exit;
    }
}
