package io.flowwatch.runtime.cli;

import io.flowwatch.api.record.FlowField;
import io.flowwatch.api.record.FlowFormat;
import io.flowwatch.runtime.config.ComponentConfig;
import io.flowwatch.runtime.config.ConfigLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Prints the Athena {@code CREATE EXTERNAL TABLE} for flow logs in S3 with partition projection,
 * as AWS documents it for VPC flow logs, with the partitions of flowwatch's common model: region
 * (an enum of the configured regions) and integer year, month, day. One table per account; the
 * S3 header line is skipped. AWS's own example uses a single date-string partition; integers keep
 * the columns the same as the embedded engine's, so one query runs on both.
 */
@Command(name = "athena-ddl", mixinStandardHelpOptions = true,
        description = {"Prints the Athena CREATE TABLE statement for flow logs in S3 (partition projection by region and date).",
                "Bucket, prefix, account and region come from an s3 source in the config, or from the options."})
final class AthenaDdlCommand implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "agent.conf with an s3 source (and an athena engine for the names)")
    Path config;

    @Option(names = "--source", paramLabel = "NAME", description = "the s3 source to describe (default: the only one)")
    String source;

    @Option(names = "--bucket", paramLabel = "BUCKET")
    String bucket;

    @Option(names = "--prefix", paramLabel = "PREFIX", description = "key prefix before AWSLogs/ (default: none)")
    String prefix;

    @Option(names = "--account", paramLabel = "ID")
    String account;

    @Option(names = "--region", paramLabel = "REGION", split = ",", description = "region(s) of the projection enum")
    List<String> regions;

    @Option(names = "--table", paramLabel = "NAME", description = "table name (default: the athena engine's table, else vpc_flow_logs)")
    String table;

    @Option(names = "--format", paramLabel = "FMT", description = "the flow log format, AWS ${field} syntax (default: the default format)")
    String format;

    @Option(names = "--from-year", paramLabel = "YYYY", description = "first year of the projection range (default: last year)")
    Integer fromYear;

    @Override
    public Integer call() {
        if (config != null) {
            ConfigLoader.Loaded loaded = new ConfigLoader().load(config);
            if (loaded.config() == null || !loaded.ok()) {
                Problems.print(System.err, loaded.problems());
                return FlowwatchCommand.USAGE;
            }
            List<ComponentConfig> s3 = loaded.config().sources().values().stream()
                    .filter(c -> c.type().equals("s3") && (source == null || c.name().equals(source))).toList();
            if (s3.size() == 1) {
                var b = s3.get(0).block();
                bucket = bucket != null ? bucket : b.hasPath("bucket") ? b.getString("bucket") : null;
                if (prefix == null && b.hasPath("prefix")) {
                    String p = b.getString("prefix");
                    prefix = p.contains("AWSLogs/") ? p.substring(0, p.indexOf("AWSLogs/")) : p;
                }
                account = account != null ? account : first(b, "accounts");
                if (regions == null && b.hasPath("regions") && !b.getStringList("regions").isEmpty()) {
                    regions = b.getStringList("regions");
                }
            } else if (s3.size() > 1) {
                System.err.println("flowwatch: several s3 sources; choose one with --source");
                return FlowwatchCommand.USAGE;
            }
            if (table == null) {
                table = loaded.config().queryEngines().values().stream().filter(c -> c.type().equals("athena"))
                        .map(c -> c.block().hasPath("table") ? c.block().getString("table") : null)
                        .filter(t -> t != null).findFirst().orElse(null);
            }
        }
        if (bucket == null || account == null || regions == null || regions.isEmpty()) {
            System.err.println("flowwatch: athena-ddl needs the bucket, account and region (an s3 source with accounts and regions, or --bucket, --account, --region)");
            return FlowwatchCommand.USAGE;
        }
        FlowFormat fmt;
        try {
            fmt = format == null ? FlowFormat.DEFAULT : FlowFormat.parse(format);
        } catch (IllegalArgumentException e) {
            System.err.println("flowwatch: --format: " + e.getMessage());
            return FlowwatchCommand.USAGE;
        }
        int first = fromYear != null ? fromYear : LocalDate.now(ZoneOffset.UTC).getYear() - 1;
        System.out.print(ddl(table == null ? "vpc_flow_logs" : table, fmt, location(), regions, first));
        return FlowwatchCommand.OK;
    }

    private String location() {
        String p = prefix == null || prefix.isEmpty() ? "" : prefix.endsWith("/") ? prefix : prefix + "/";
        return "s3://" + bucket + "/" + p + "AWSLogs/" + account + "/vpcflowlogs/";
    }

    private static String first(com.typesafe.config.Config b, String key) {
        return b.hasPath(key) && !b.getStringList(key).isEmpty() ? b.getStringList(key).get(0) : null;
    }

    static String ddl(String table, FlowFormat format, String location, List<String> regions, int fromYear) {
        StringBuilder sb = new StringBuilder("CREATE EXTERNAL TABLE IF NOT EXISTS `").append(table).append("` (\n");
        for (int i = 0; i < format.size(); i++) {
            FlowFormat.Column c = format.column(i);
            String name = c.name().replace('-', '_').toLowerCase(Locale.ROOT);
            String type = c.field() == null ? "string" : switch (c.field().type()) {
                case INT32 -> "int";
                case INT64 -> "bigint";
                default -> "string";
            };
            // `end` (and `date`) are reserved words in Athena DDL; quoting every name is simplest.
            sb.append("  `").append(name).append("` ").append(type).append(i + 1 < format.size() ? ",\n" : "\n");
        }
        sb.append(")\n")
                .append("PARTITIONED BY (`region` string, `year` int, `month` int, `day` int)\n")
                .append("ROW FORMAT DELIMITED\nFIELDS TERMINATED BY ' '\n")
                .append("LOCATION '").append(location).append("'\n")
                .append("TBLPROPERTIES (\n")
                .append("  \"skip.header.line.count\"=\"1\",\n")
                .append("  \"projection.enabled\"=\"true\",\n")
                .append("  \"projection.region.type\"=\"enum\",\n")
                .append("  \"projection.region.values\"=\"").append(String.join(",", regions)).append("\",\n")
                .append("  \"projection.year.type\"=\"integer\",\n")
                .append("  \"projection.year.range\"=\"").append(fromYear).append(",").append(fromYear + 30).append("\",\n")
                .append("  \"projection.month.type\"=\"integer\",\n")
                .append("  \"projection.month.range\"=\"1,12\",\n")
                .append("  \"projection.month.digits\"=\"2\",\n")
                .append("  \"projection.day.type\"=\"integer\",\n")
                .append("  \"projection.day.range\"=\"1,31\",\n")
                .append("  \"projection.day.digits\"=\"2\",\n")
                .append("  \"storage.location.template\"=\"").append(location).append("${region}/${year}/${month}/${day}\"\n")
                .append(");\n");
        return sb.toString();
    }
}
