package io.flowwatch.runtime.cli;

import io.flowwatch.api.FlowwatchException.Problem;
import io.flowwatch.runtime.logging.SecretMasker;

import java.io.PrintStream;
import java.util.List;

/** Prints located problems one per line, secrets masked. */
final class Problems {

    private Problems() {
    }

    static void print(PrintStream err, List<Problem> problems) {
        for (Problem p : problems) {
            err.println(SecretMasker.mask(p.toString()));
        }
        err.println(problems.size() == 1 ? "1 problem found." : problems.size() + " problems found.");
    }
}
