package org.cairndb.cli;

import java.io.IOException;
import org.cairndb.env.EnvironmentHome;
import org.cairndb.io.NioFileIO;
import org.cairndb.log.Lsn;
import org.cairndb.tools.LogPrinter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cairn printlog}, like {@code db_printlog}. */
@Command(name = "printlog", sortOptions = false,
        description = {"Print the log, one record per line: LSN (segment/offset), type, transaction id, description,"
                + " like db_printlog.",
                "It reads the segment files only (no lock, no recovery), so it also works while the environment is"
                        + " open elsewhere."})
final class PrintlogCommand extends CairnCommand {

    @Mixin
    HomeOption home;

    @Option(names = "--from", paramLabel = "LSN", description = "Start at this LSN (segment/offset, e.g. 3/1048576).")
    String from;

    @Option(names = "--to", paramLabel = "LSN", description = "Stop after this LSN.")
    String to;

    @Option(names = "-v", description = "Also print each put and delete of COMMIT and PREPARE records.")
    boolean verbose;

    @Override
    public Integer call() throws IOException {
        long fromLsn = parse(from, "--from");
        long toLsn = parse(to, "--to");
        if (toLsn != Lsn.NULL && toLsn < fromLsn) {
            throw new CommandFailedException(ExitCodes.USAGE, "--to " + to + " lies before --from " + from);
        }
        Homes.requireEnvironment(home.home);
        LogPrinter.Summary s = new LogPrinter(NioFileIO.INSTANCE, EnvironmentHome.detect(home.home).logDir(), verbose)
                .print(fromLsn, toLsn, out());
        if (s.tail() != null) {
            note("the log ends at " + Lsn.toString(s.tail().lsn()) + " with " + s.tail().bytes()
                    + " bytes of an unfinished write (" + s.tail().problem() + "); recovery cuts them off");
        }
        return ExitCodes.OK;
    }

    private static long parse(String lsn, String option) {
        if (lsn == null) {
            return Lsn.NULL;
        }
        try {
            return Lsn.parse(lsn);
        } catch (IllegalArgumentException e) {
            throw new CommandFailedException(ExitCodes.USAGE, option + ": " + e.getMessage());
        }
    }
}
