package org.cairndb.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.cairndb.Cursor;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.tools.DumpFormat;
import org.cairndb.tools.DumpWriter;
import org.cairndb.util.Counted;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cairn dump}, like {@code db_dump}. */
@Command(name = "dump", sortOptions = false,
        description = {"Write a database in Berkeley DB's db_dump text format (VERSION=3), which cairn load and"
                + " Berkeley DB's db_load read back. Keys and values are hex (format=bytevalue), or with -p printable"
                + " text with \\xx escapes (format=print); docs/cli.md describes the format.",
                "The dump is one consistent snapshot of the committed state."})
final class DumpCommand extends CairnCommand {

    @Mixin
    HomeOption home;

    @Option(names = "-p", description = "Print printable characters as they are (format=print) instead of hex.")
    boolean printable;

    @Option(names = "-f", paramLabel = "FILE", description = "Write to FILE instead of standard output.")
    Path file;

    @Option(names = "-l", description = "List the databases instead of dumping one.")
    boolean list;

    @Parameters(paramLabel = "DB", arity = "0..1", description = "The database to dump.")
    String database;

    @Override
    public Integer call() throws IOException {
        if (list == (database != null)) {
            throw new CommandFailedException(ExitCodes.USAGE, list ? "-l lists databases; do not name one"
                    : "name the database to dump (or -l to list them)");
        }
        if (database != null) {
            DatabaseNameArgument.requireValid(database);
        }
        if (list && printable) {
            throw new CommandFailedException(ExitCodes.USAGE, "-p applies to a dump (format=print); -l lists the"
                    + " databases, one name a line");
        }
        if (list && file != null) {
            throw new CommandFailedException(ExitCodes.USAGE, "-l lists the databases on standard output; -f applies to"
                    + " a dump (redirect the listing instead)");
        }
        if (file != null) {
            Homes.requireEnvironment(home.home);
            Homes.requireOutsideEnvironmentFiles(home.home, file, "dump file");
        }
        try (Environment env = Homes.openToInspect(home.home)) {
            if (list) {
                env.databaseNames().forEach(out()::println);
                out().flush();
                return ExitCodes.OK;
            }
            Database db = env.openDatabase(database, false);
            DumpFormat format = printable ? DumpFormat.PRINT : DumpFormat.BYTEVALUE;
            if (file == null) {
                dump(db, out(), format);
            } else {
                long n;
                Writer created;
                try {
                    created = Files.newBufferedWriter(file, StandardCharsets.US_ASCII);
                } catch (NoSuchFileException e) {
                    throw new CommandFailedException(ExitCodes.FAILED, "cannot create the dump file " + file
                            + ": its directory " + file.toAbsolutePath().getParent() + " does not exist");
                } catch (IOException e) {
                    throw new CommandFailedException(ExitCodes.FAILED, "cannot create the dump file " + file + ": "
                            + Errors.oneLine(e));
                }
                try (Writer w = created) {
                    n = dump(db, w, format);
                } catch (IOException e) {
                    throw new CommandFailedException(ExitCodes.FAILED, "cannot write the dump to " + file + ": "
                            + Errors.oneLine(e) + "; the file is incomplete");
                }
                // Written to a pipe or a device, the dump may be this command's own standard output
                // (-f /dev/stdout): the summary goes to standard error so that it does not end up in the dump.
                PrintWriter summary = Homes.isStream(file) ? err() : out();
                summary.println("dumped " + Counted.of(n, "record") + " of '" + database + "' to " + file);
                summary.flush();
            }
        }
        return ExitCodes.OK;
    }

    private static long dump(Database db, Writer out, DumpFormat format) throws IOException {
        DumpWriter w = new DumpWriter(out, format);
        w.writeHeader();
        try (Cursor c = db.openCursor(null)) {
            for (boolean ok = c.first(); ok; ok = c.next()) {
                w.writeRecord(c.key(), c.value());
                // Standard output keeps its errors (see StandardOutput): once it failed (| head ended),
                // reading the rest of the database is for nothing.
                if (out instanceof PrintWriter p && w.records() % 1024 == 0 && p.checkError()) {
                    return w.records();
                }
            }
        }
        w.writeEnd();
        return w.records();
    }
}
