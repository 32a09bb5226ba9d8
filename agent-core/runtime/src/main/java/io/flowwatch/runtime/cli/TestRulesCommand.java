package io.flowwatch.runtime.cli;

import io.flowwatch.runtime.config.ConfigLoader;
import io.flowwatch.runtime.plugin.PluginRuntime;
import io.flowwatch.runtime.ruletest.RuleTestRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "test-rules", mixinStandardHelpOptions = true,
        description = {"Runs rule unit tests: input lines with times, the rule files under test, and the alerts "
                + "expected at given evaluation times (like promtool test rules).",
                "Exit 0 when all pass, 1 when a test fails, 2 when a test or rule file is bad."})
final class TestRulesCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "rule test files (HOCON)")
    List<Path> files;

    @Option(names = "--plugins-dir", paramLabel = "DIR", description = "directory of plugin zips (default: the distribution's)")
    Path pluginsDir;

    @Override
    public Integer call() {
        Path dir = pluginsDir != null ? pluginsDir : ConfigLoader.defaultPluginsDir();
        try (PluginRuntime plugins = PluginRuntime.load(dir)) {
            int passed = 0;
            int failed = 0;
            boolean bad = false;
            RuleTestRunner runner = new RuleTestRunner(plugins.catalog(), System.out);
            for (Path f : files) {
                RuleTestRunner.Outcome o = runner.run(f);
                if (!o.problems().isEmpty()) {
                    Problems.print(System.err, o.problems());
                    bad = true;
                }
                passed += o.passed();
                failed += o.failed();
            }
            System.out.println((passed + failed) + " tests, " + passed + " passed, " + failed + " failed");
            return bad ? FlowwatchCommand.USAGE : failed > 0 ? FlowwatchCommand.FAILED : FlowwatchCommand.OK;
        } catch (IOException e) {
            System.err.println("flowwatch: cannot load plugins from " + dir + ": " + e.getMessage());
            return FlowwatchCommand.USAGE;
        }
    }
}
