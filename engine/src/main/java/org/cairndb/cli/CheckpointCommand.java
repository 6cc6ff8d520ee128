package org.cairndb.cli;

import java.time.Instant;
import org.cairndb.CheckpointResult;
import org.cairndb.Environment;
import org.cairndb.env.EnvironmentImpl;
import org.cairndb.util.Counted;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cairn checkpoint}, like {@code db_checkpoint}. */
@Command(name = "checkpoint", sortOptions = false,
        description = {"Write the committed state to the data files so that recovery can start later in the log,"
                + " like db_checkpoint.",
                "",
                "With -1, checkpoint once and exit. With -k and/or -p (instead of -1), keep the environment open and"
                        + " checkpoint whenever KB of log were written or MIN minutes passed, until interrupted (Ctrl-C).",
                "",
                "Only one process may open an environment, so this command cannot run beside the application that"
                        + " uses it. The engine checkpoints by itself, as these two settings say:",
                // on a line of its own: help wraps at 80 columns and could cut a dotted key after a dot
                "  cairn.checkpoint.kbytes and cairn.checkpoint.minutes in cairn.properties",
                "In an application server, the adapter's MBean org.cairndb:type=Environment,name=<env> runs a"
                        + " checkpoint on demand."})
final class CheckpointCommand extends CairnCommand {

    /** How often the loop looks at the log; short enough for -k, cheap enough to be free. */
    static final long POLL_MILLIS = 1000;

    @Mixin
    HomeOption home;

    @Option(names = "-1", description = "Checkpoint once (even if nothing changed) and exit.")
    boolean once;

    @Option(names = "-k", paramLabel = "KB", description = "Checkpoint when at least KB kilobytes of log were written"
            + " since the last checkpoint.")
    Long kbytes; // null when not given, so that a 0 given is named as not positive

    @Option(names = "-p", paramLabel = "MIN", description = "Checkpoint when at least MIN minutes passed since the"
            + " last checkpoint.")
    Long minutes;

    @Option(names = "-v", description = "Say what each checkpoint did.")
    boolean verbose;

    @Override
    public Integer call() {
        if (kbytes != null && kbytes <= 0) {
            throw new CommandFailedException(ExitCodes.USAGE, "-k takes a positive number of kilobytes, not " + kbytes);
        }
        if (minutes != null && minutes <= 0) {
            throw new CommandFailedException(ExitCodes.USAGE, "-p takes a positive number of minutes, not " + minutes);
        }
        if (!once && kbytes == null && minutes == null) {
            throw new CommandFailedException(ExitCodes.USAGE, "give at least one of -1, -k KB and -p MIN"
                    + " (see cairn checkpoint --help)");
        }
        if (once && (kbytes != null || minutes != null)) {
            // -1 exits after one checkpoint, so a schedule given with it would be ignored in silence.
            throw new CommandFailedException(ExitCodes.USAGE, "-1 checkpoints once and exits, -k and -p keep"
                    + " checkpointing until interrupted: give -1, or -k and/or -p, not both");
        }
        CheckpointSchedule schedule = new CheckpointSchedule(kbytes == null ? 0 : kbytes, minutes == null ? 0 : minutes);
        if (once) {
            try (Environment env = Homes.openExisting(home.home)) {
                report(env.checkpoint(true));
            }
            return ExitCodes.OK;
        }
        try (StopSignal stop = new StopSignal(); Environment env = Homes.openExisting(home.home)) {
            EnvironmentImpl impl = env.internals();
            out().println("checkpointing " + env.home() + " " + schedule.describe() + "; waiting (stop with Ctrl-C)");
            out().flush();
            long performed = 0;
            while (!stop.await(POLL_MILLIS)) {
                long sinceMillis = System.currentTimeMillis() - impl.checkpointer().lastCheckpointMillis();
                if (schedule.isDue(impl.checkpointer().logBytesSinceLast(), sinceMillis)) {
                    CheckpointResult r = env.checkpoint(false);
                    if (r.performed()) {
                        performed++;
                        report(r);
                    }
                }
            }
            out().println("stopped after " + performed + (performed == 1 ? " checkpoint" : " checkpoints"));
            out().flush();
        }
        return ExitCodes.OK;
    }

    private void report(CheckpointResult r) {
        if (verbose) {
            out().println(Instant.now() + " checkpoint: recovery now starts at " + r.startLsn() + ", CHECKPOINT record at "
                    + r.checkpointLsn() + ", " + Counted.of(r.pagesWritten(), "page") + " (" + r.bytesWritten() + " bytes) written, "
                    + Counted.of(r.pagesFreed(), "page") + " freed, " + r.durationMillis() + " ms");
            out().flush();
        }
    }
}
