package org.cairndb.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.cairndb.env.EnvironmentHome;
import org.cairndb.log.Lsn;
import org.cairndb.log.SegmentFiles;
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
        Path logDir = EnvironmentHome.detect(home.home).logDir();
        checkWithinTheLog(logDir, fromLsn);
        LogPrinter.Summary s = new LogPrinter(Homes.io(), logDir, verbose).print(fromLsn, toLsn, out());
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
        long value;
        try {
            value = Lsn.parse(lsn);
        } catch (IllegalArgumentException e) {
            throw new CommandFailedException(ExitCodes.USAGE, option + ": " + e.getMessage());
        }
        if (Lsn.segment(value) < 1) {
            throw new CommandFailedException(ExitCodes.USAGE, option + " " + lsn + ": segment numbers start at 1");
        }
        return value;
    }

    /**
     * A --from outside the segments present is the admin's typo, not a missing segment: say which
     * segments there are instead of the scanner's advice to restore one.
     */
    private static void checkWithinTheLog(Path logDir, long fromLsn) throws IOException {
        if (fromLsn == Lsn.NULL) {
            return;
        }
        List<Long> segments = SegmentFiles.list(Homes.io(), logDir);
        long segment = Lsn.segment(fromLsn);
        if (segments.isEmpty() || segment < segments.get(0) || segment > segments.get(segments.size() - 1)) {
            throw new CommandFailedException(ExitCodes.USAGE, "--from " + Lsn.toString(fromLsn) + " is outside the log: "
                    + (segments.isEmpty() ? "there are no log segments"
                    : "its segments are " + segments.get(0) + " to " + segments.get(segments.size() - 1))
                    + " (see cairn archive -l)");
        }
    }
}
