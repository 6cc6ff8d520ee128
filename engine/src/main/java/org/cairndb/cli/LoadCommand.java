package org.cairndb.cli;

import java.io.BufferedInputStream;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.tools.DumpLoader;
import org.cairndb.tools.DumpReader;
import org.cairndb.util.Counted;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn load}, like {@code db_load}. */
@Command(name = "load", sortOptions = false,
        description = {"Load a dump in Berkeley DB's db_dump text format (from cairn dump, db_dump or db_dump -p) into"
                + " a database, creating it if needed. Existing keys are overwritten unless -n is given.",
                "Records are committed in batches (10,000 per transaction by default), each as soon as it is full."
                        + " A bad line stops the load with its line number; the batch it was in is rolled back and the"
                        + " error says how many records earlier batches committed. A database the load created is"
                        + " removed again if nothing was committed.",
                "HOME must exist; if it is an empty directory, a new environment is created in it. The dump's header"
                        + " is checked first: a refused header or database name leaves HOME as it was."})
final class LoadCommand extends CairnCommand {

    @Mixin
    HomeOption home;

    @Option(names = "-f", paramLabel = "FILE", description = "Read FILE instead of standard input.")
    Path file;

    @Option(names = "-n", description = "Do not overwrite keys that already exist (the dump's record is skipped).")
    boolean keepExisting;

    @Option(names = "--batch", paramLabel = "N", description = "Records per transaction (default: ${DEFAULT-VALUE}).")
    int batch = DumpLoader.DEFAULT_BATCH_RECORDS;

    @Parameters(paramLabel = "DB", description = "The database to load into.")
    String database;

    @Override
    public Integer call() throws IOException {
        checkArguments();
        Homes.requireEnvironmentOrEmpty(home.home);
        String source = file == null ? "standard input" : file.toString();
        // A pipe (-f /dev/stdin, a shell's <(gunzip -c dump.gz)) is read as a plain stream: the channel
        // Files.newInputStream gives asks a pipe for its position, and fails with "Illegal seek".
        try (InputStream raw = file == null ? in() : Homes.isStream(file) ? new FileInputStream(file.toFile())
                : Files.newInputStream(file)) {
            DumpReader reader = new DumpReader(new BufferedInputStream(raw), Database.MAX_KEY_SIZE,
                    Database.MAX_VALUE_SIZE);
            // The header is checked before the environment is opened: opening runs recovery and
            // creating writes a log, and a dump refused outright must leave HOME exactly as it was.
            attempt(source, reader::readHeader);
            try (Environment env = Homes.openOrCreateIn(home.home)) {
                DumpLoader loader = new DumpLoader(env, batch, keepExisting);
                DumpLoader.Result r = attempt(source, () -> loader.load(reader, database));
                out().println("loaded " + Counted.of(r.records() - r.skipped(), "record") + " into '" + database + "' in "
                        + Counted.of(r.transactions(), "transaction")
                        + (r.skipped() > 0 ? "; skipped " + Counted.of(r.skipped(), "key") + " that already existed" : ""));
                out().flush();
            }
        }
        return ExitCodes.OK;
    }

    /** Refuses a bad command line (exit 2) before anything is read, opened or created. */
    private void checkArguments() {
        if (batch < 1) {
            throw new CommandFailedException(ExitCodes.USAGE, "--batch must be at least 1");
        }
        DatabaseNameArgument.requireValid(database);
    }

    /** A step that reads the dump. */
    private interface Step<T> {
        T run() throws IOException;
    }

    /** Runs {@code step}, naming the input in the one-line error if it fails. */
    private static <T> T attempt(String source, Step<T> step) {
        try {
            return step.run();
        } catch (IOException e) {
            throw new CommandFailedException(source + ": " + e.getMessage());
        }
    }
}
