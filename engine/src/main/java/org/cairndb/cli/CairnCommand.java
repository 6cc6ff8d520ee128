package org.cairndb.cli;

import java.io.InputStream;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** What every subcommand has: {@code --help}, and the streams picocli was given. */
abstract class CairnCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--help", usageHelp = true, description = "Show this help and exit.")
    boolean help;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    InputStream in() {
        return ((CairnCli) spec.root().userObject()).stdin();
    }

    /** A note on stderr that does not make the command fail. */
    void note(String message) {
        err().println(spec.qualifiedName() + ": note: " + message);
        err().flush();
    }
}
