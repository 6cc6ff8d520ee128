package org.cairndb.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.cairndb.tools.Verifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code cairn verify}, like {@code db_verify}. */
@Command(name = "verify", sortOptions = false,
        description = {"Check the environment's files without trusting them, like db_verify: each database's tree"
                + " (page checksums, key order, separators, record count, overflow values, space map) and, when no"
                + " database is named, every log segment (checksums, chain continuity).",
                "Verify only reads: it takes no lock and runs no recovery, so it works on a closed environment, a"
                        + " backup copy, or beside a running process (then it checks each file's last checkpoint).",
                "Each problem is printed as one line naming the file and byte offset; the exit status is 1 if any."})
final class VerifyCommand extends CairnCommand {

    @Mixin
    HomeOption home;

    @Parameters(paramLabel = "DB", arity = "0..*", description = "Databases to verify (default: all, and the log).")
    List<String> databases = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
        databases.forEach(DatabaseNameArgument::requireValid);
        Homes.requireEnvironment(home.home);
        Verifier.Report report = new Verifier(Homes.io(), home.home).verify(databases);
        for (Verifier.DatabaseSummary d : report.databases()) {
            out().printf("database %s: %s, %s, depth %d, %s, file of %s%n", d.name(),
                    org.cairndb.util.Counted.of(d.records(), "record"), org.cairndb.util.Counted.of(d.treePages(), "tree page"),
                    d.depth(), org.cairndb.util.Counted.of(d.overflowValues(), "overflow value"),
                    org.cairndb.util.Counted.of(d.pagesInFile(), "page"));
        }
        if (report.log() != null) {
            out().printf("log: %s, %s, ends at %s%n", org.cairndb.util.Counted.of(report.log().segments(), "segment"),
                    org.cairndb.util.Counted.of(report.log().records(), "record"), report.log().endLsn());
        }
        for (String w : report.warnings()) {
            out().println("warning: " + w);
        }
        for (Verifier.Problem p : report.problems()) {
            out().println("PROBLEM: " + p);
        }
        out().flush();
        if (!report.ok()) {
            int n = report.problems().size();
            throw new CommandFailedException(n + (n == 1 ? " problem" : " problems") + " found in " + home.home
                    + "; the first: " + report.problems().get(0));
        }
        out().println("verified " + home.home + ": no problems");
        out().flush();
        return ExitCodes.OK;
    }
}
