package org.cairndb.cli;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.tools.DumpLoader;
import org.cairndb.tools.DumpReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn load}, like {@code db_load}. */
@Command(name = "load", sortOptions = false,
        description = {"Load a dump in Berkeley DB's db_dump text format (from cairn dump, db_dump or db_dump -p) into"
                + " a database, creating it if needed. Existing keys are overwritten unless -n is given.",
                "Records are committed in batches (10,000 per transaction by default). A bad line stops the load with"
                        + " its line number; the batch it was in is rolled back and the error says how many records"
                        + " earlier batches committed.",
                "HOME must exist; if it is an empty directory, a new environment is created in it."})
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
        if (batch < 1) {
            throw new CommandFailedException(ExitCodes.USAGE, "--batch must be at least 1");
        }
        String source = file == null ? "standard input" : file.toString();
        try (InputStream raw = file == null ? in() : Files.newInputStream(file);
                Environment env = Homes.openOrCreateIn(home.home)) {
            DumpReader reader = new DumpReader(new BufferedInputStream(raw), Database.MAX_KEY_SIZE,
                    Database.MAX_VALUE_SIZE);
            DumpLoader.Result r;
            try {
                r = new DumpLoader(env, batch, keepExisting).load(reader, database);
            } catch (IOException e) {
                throw new CommandFailedException(source + ": " + e.getMessage());
            }
            out().println("loaded " + (r.records() - r.skipped()) + " records into '" + database + "' in "
                    + r.transactions() + (r.transactions() == 1 ? " transaction" : " transactions")
                    + (r.skipped() > 0 ? "; skipped " + r.skipped() + " keys that already existed" : ""));
            out().flush();
        }
        return ExitCodes.OK;
    }
}
