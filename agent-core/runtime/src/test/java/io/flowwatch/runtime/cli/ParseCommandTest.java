package io.flowwatch.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

class ParseCommandTest {

    @TempDir
    Path dir;

    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    int run(String stdin, String... args) {
        ParseCommand cmd = new ParseCommand(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), out,
                new PrintStream(err, true, StandardCharsets.UTF_8));
        CommandLine cl = FlowwatchCommand.commandLine();
        CommandLine parse = new CommandLine(cmd);
        parse.setParameterExceptionHandler(cl.getParameterExceptionHandler());
        parse.setErr(new java.io.PrintWriter(err, true, StandardCharsets.UTF_8));
        return parse.execute(args);
    }

    List<JsonNode> json() throws IOException {
        List<JsonNode> nodes = new ArrayList<>();
        ObjectMapper m = new ObjectMapper();
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!line.isEmpty()) {
                nodes.add(m.readTree(line));
            }
        }
        return nodes;
    }

    String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void printsOneJsonObjectPerRecordWithAwsNamesNumbersAndNulls() throws IOException {
        int code = run("""
                2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK
                2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA
                """);
        assertThat(code).isZero();
        List<JsonNode> recs = json();
        assertThat(recs).hasSize(2);
        JsonNode r = recs.get(0);
        assertThat(r.get("log-status").asText()).isEqualTo("OK");
        assertThat(r.get("dstport").isInt() || r.get("dstport").isLong()).isTrue();
        assertThat(r.get("dstport").asInt()).isEqualTo(22);
        assertThat(r.get("bytes").asLong()).isEqualTo(4249);
        assertThat(r.get("account-id").isTextual()).isTrue();
        assertThat(r.get("account-id").asText()).isEqualTo("123456789010");
        JsonNode nodata = recs.get(1);
        assertThat(nodata.get("srcaddr").isNull()).isTrue();
        assertThat(nodata.get("packets").isNull()).isTrue();
        assertThat(nodata.get("action").isNull()).isTrue();
        assertThat(nodata.get("log-status").asText()).isEqualTo("NODATA");
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(
                "{\"version\":2,\"account-id\":\"123456789010\",\"interface-id\":\"eni-1235b8ca123456789\",\"srcaddr\":\"172.31.16.139\","
                        + "\"dstaddr\":\"172.31.16.21\",\"srcport\":20641,\"dstport\":22,\"protocol\":6,\"packets\":20,\"bytes\":4249,"
                        + "\"start\":1418530010,\"end\":1418530070,\"action\":\"ACCEPT\",\"log-status\":\"OK\"}\n"
                        + "{\"version\":2,\"account-id\":\"123456789010\",\"interface-id\":\"eni-1235b8ca123456789\",\"srcaddr\":null,"
                        + "\"dstaddr\":null,\"srcport\":null,\"dstport\":null,\"protocol\":null,\"packets\":null,\"bytes\":null,"
                        + "\"start\":1431280876,\"end\":1431280934,\"action\":null,\"log-status\":\"NODATA\"}\n");
    }

    @Test
    void textThatNeedsEscapingIsEscapedEveryTimeItRepeats() throws IOException {
        // Quotes, backslashes and non-ASCII in a text field: each line must read back exactly,
        // also when the value repeats (encoded forms are remembered per value).
        String odd = "eni-\"q\\ü€";
        String line = "2 123456789010 " + odd + " 10.0.0.1 10.0.0.2 1 2 6 1 40 1700000000 1700000060 ACCEPT OK\n";
        String other = "2 123456789010 eni-plain 10.0.0.1 10.0.0.2 1 2 6 1 40 1700000000 1700000060 REJECT OK\n";
        assertThat(run(line + other + line + line)).isZero();
        List<JsonNode> recs = json();
        assertThat(recs).extracting(r -> r.get("interface-id").asText()).containsExactly(odd, "eni-plain", odd, odd);
        assertThat(recs).extracting(r -> r.get("action").asText()).containsExactly("ACCEPT", "REJECT", "ACCEPT", "ACCEPT");
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("\"interface-id\":\"eni-\\\"q\\\\ü€\"");
    }

    @Test
    void aClosedStdoutStopsReadingEarlyAndQuietly() {
        // `flowwatch parse big.gz | head -1`: once writing fails, stop, exit 0, and read no further.
        String line = "2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 1700000000 1700000060 ACCEPT OK\n";
        byte[] input = line.repeat(400_000).getBytes(StandardCharsets.UTF_8); // 32 MB
        long[] read = {0};
        InputStream counting = new java.io.FilterInputStream(new ByteArrayInputStream(input)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                read[0] += Math.max(n, 0);
                return n;
            }
        };
        OutputStream closedPipe = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("Broken pipe");
            }
        };
        ParseCommand cmd = new ParseCommand(counting, closedPipe, new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(new CommandLine(cmd).execute()).isZero();
        assertThat(stderr()).isEmpty();
        // The reader is at most a few 1 MB chunks ahead of the writer when it stops.
        assertThat(read[0]).isLessThan(input.length / 2);
    }

    @Test
    void readsGzipFilesAndSkipsTheirHeaderLine() throws IOException {
        Path gz = dir.resolve("obj.log.gz");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
            o.write("version srcaddr pkt-srcaddr flow-direction log-status\n5 10.0.0.5 203.0.113.9 ingress OK\n".getBytes(StandardCharsets.UTF_8));
        }
        assertThat(run("", gz.toString())).isZero();
        List<JsonNode> recs = json();
        assertThat(recs).hasSize(1);
        assertThat(recs.get(0).get("pkt-srcaddr").asText()).isEqualTo("203.0.113.9");
        assertThat(recs.get(0).get("flow-direction").asText()).isEqualTo("ingress");
        assertThat(recs.get(0).get("version").asInt()).isEqualTo(5);
        assertThat(stderr()).isEmpty();
    }

    @Test
    void customFormatOption() throws IOException {
        assertThat(run("i-0abc 4 17\n", "--format", "${instance-id} ${tcp-flags} ${protocol}")).isZero();
        JsonNode r = json().get(0);
        assertThat(r.get("instance-id").asText()).isEqualTo("i-0abc");
        assertThat(r.get("tcp-flags").asInt()).isEqualTo(4);
    }

    @Test
    void malformedLinesGoToStderrWithTheirLocationAndTheRestStillPrints() throws IOException {
        Path f = dir.resolve("mixed.log");
        Files.writeString(f, "garbage here\n2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 100 160 ACCEPT OK\n");
        assertThat(run("", f.toString())).isZero();
        assertThat(json()).hasSize(1);
        assertThat(stderr()).isEqualTo(f + ":1: malformed record skipped: expected 14 fields, found 2\n");
    }

    @Test
    void anUnreadableFileExitsOneAfterPrintingTheOthers() throws IOException {
        Path ok = dir.resolve("ok.log");
        Files.writeString(ok, "2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 40 100 160 ACCEPT OK\n");
        assertThat(run("", dir.resolve("missing.log").toString(), ok.toString())).isEqualTo(1);
        assertThat(json()).hasSize(1);
        assertThat(stderr()).contains("missing.log: cannot read: no such file");
    }

    @Test
    void aTruncatedGzipKeepsTheLinesBeforeTheDamageAndSaysWhere() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream o = new GZIPOutputStream(bytes)) {
            for (int i = 0; i < 2000; i++) {
                o.write(("2 1 eni-1 10.0.0.1 10.0.0.2 1 " + i + " 6 1 40 100 160 ACCEPT OK\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        byte[] all = bytes.toByteArray();
        Path f = dir.resolve("cut.log.gz");
        Files.write(f, java.util.Arrays.copyOf(all, all.length / 2));
        assertThat(run("", f.toString())).isEqualTo(1);
        assertThat(json()).isNotEmpty().allSatisfy(n -> assertThat(n.get("log-status").asText()).isEqualTo("OK"));
        assertThat(stderr()).contains(f + ": read failed after line ");
    }

    @Test
    void aBadFormatIsAUsageError() {
        assertThat(run("", "--format", "${srcaddr} ${srcaddr}")).isEqualTo(2);
        assertThat(stderr()).contains("--format: at position 14: field 'srcaddr' appears twice");
    }
}
