package org.cairndb.cli;

import org.cairndb.Environment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cairn recover}, like {@code db_recover} (normal recovery). */
@Command(name = "recover", sortOptions = false,
        description = {"Run normal recovery, like db_recover: open the environment (which replays the log from the"
                + " last checkpoint, cuts off a torn tail and restores prepared transactions), checkpoint and close.",
                "Opening an environment always recovers it; this command does it without an application."})
final class RecoverCommand extends CairnCommand {

    @Mixin
    HomeOption home;

    @Option(names = "-v", description = "Print what recovery did.")
    boolean verbose;

    @Override
    public Integer call() {
        try (Environment env = Homes.openExisting(home.home)) {
            if (verbose) {
                out().println(env.recoveryReport());
                out().flush();
            }
        }
        return ExitCodes.OK;
    }
}
