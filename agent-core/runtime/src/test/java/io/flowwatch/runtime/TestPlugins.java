package io.flowwatch.runtime;

import java.nio.file.Path;
import java.nio.file.Paths;

/** Where the build put the real plugin zips for tests (see the runtime pom). */
public final class TestPlugins {

    private TestPlugins() {
    }

    public static Path dir() {
        return Paths.get(System.getProperty("flowwatch.test.plugins", "target/test-plugins")).toAbsolutePath();
    }
}
