package org.cairndb.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.cairndb.Environment;
import org.cairndb.io.NioFileIO;
import org.cairndb.io.StorageFile;
import org.cairndb.storage.DataFile;
import org.cairndb.storage.DataFileHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What every subcommand must do alike: help, exit statuses, one-line errors. */
class CairnCliTest {

    @TempDir
    Path dir;

    /** Each subcommand with arguments that would succeed on an existing environment holding database "db". */
    static Stream<List<String>> commands() {
        return Stream.of(List.of("checkpoint", "-1"), List.of("recover"), List.of("verify"), List.of("stat"),
                List.of("printlog"), List.of("dump", "db"), List.of("load", "db"), List.of("bench", "--check"));
    }

    /** The subcommands that open the environment (and so need its lock). */
    static Stream<List<String>> lockingCommands() {
        return commands().filter(c -> !c.get(0).equals("verify") && !c.get(0).equals("printlog"));
    }

    /**
     * Runs {@code command} with {@code more} arguments. load gets a valid dump on standard input:
     * it checks its input before it opens the environment, and these tests are about the environment.
     */
    private static CliRun.Result runWith(List<String> command, String... more) {
        return CliRun.runWithInput("VERSION=3\nformat=print\nHEADER=END\n k\n v\nDATA=END\n", with(command, more));
    }

    private static String[] with(List<String> command, String... more) {
        List<String> args = new ArrayList<>(List.of(command.get(0)));
        args.addAll(List.of(more));
        args.addAll(command.subList(1, command.size()));
        return args.toArray(new String[0]);
    }

    @Test
    void versionPrintsTheVersion() {
        CliRun.Result r = CliRun.run("--version");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().startsWith("cairn "), r::toString);
    }

    @Test
    void noCommandIsAUsageErrorOnOneLine() {
        CliRun.Result r = CliRun.run();
        assertEquals(ExitCodes.USAGE, r.exit());
        assertEquals(1, r.errLines().length, r::toString);
        assertTrue(r.err().contains("give a command"), r::toString);
    }

    @Test
    void aMistypedCommandOrAnOptionBeforeTheCommandIsNamedAsSuch() {
        CliRun.Result r = CliRun.run("stats", "-h", dir.toString());
        assertEquals(ExitCodes.USAGE, r.exit(), r::toString);
        assertTrue(r.err().contains("unknown command 'stats'; the commands are checkpoint, recover"), r::toString);
        r = CliRun.run("-h", dir.toString());
        assertEquals(ExitCodes.USAGE, r.exit(), r::toString);
        assertTrue(r.err().contains("options come after the command: cairn COMMAND -h ..."), r::toString);
    }

    /**
     * Berkeley DB's habit, the home before the command ({@code cairn -h /srv/store stat}), was told
     * "Missing required option: '-h HOME'": the command was found, and the -h before it dropped.
     */
    @Test
    void theHomeGivenBeforeTheCommandIsNamedAsSuch() {
        CliRun.Result r = CliRun.run("-h", dir.toString(), "stat");
        assertEquals(ExitCodes.USAGE, r.exit(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        assertTrue(r.err().startsWith("cairn stat: options come after the command: cairn stat -h ..."), r::toString);
    }

    /** verifybackup -h DIR, the habit of every other command, was told "Unknown option: '-h'". */
    @Test
    void verifybackupGivenDashHIsToldToDropIt() {
        CliRun.Result r = CliRun.run("verifybackup", "-h", dir.toString());
        assertEquals(ExitCodes.USAGE, r.exit(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        assertTrue(r.err().startsWith("cairn verifybackup: the backup directory is the argument, without -h: cairn"
                + " verifybackup DIR"), r::toString);
    }

    @Test
    void unknownCommandIsAUsageError() {
        CliRun.Result r = CliRun.run("frobnicate", "-h", dir.toString());
        assertEquals(ExitCodes.USAGE, r.exit());
        assertEquals(1, r.errLines().length, r::toString);
        assertTrue(r.err().contains("frobnicate"), r::toString);
    }

    @Test
    void everyCommandInTheOverviewIsSummedUpInAWholeSentence() {
        CliRun.Result r = CliRun.run("--help");
        assertEquals(0, r.exit(), r::toString);
        String commands = r.out().substring(r.out().indexOf("Commands:\n") + "Commands:\n".length(),
                r.out().indexOf("\n\n", r.out().indexOf("Commands:\n")));
        // "  name  summary" lines, the summary continued on lines indented further
        String[] entries = commands.split("\n(?=  \\S)");
        assertEquals(12, entries.length, commands);
        for (String entry : entries) {
            assertTrue(entry.strip().endsWith("."), "summary cut short: " + entry);
        }
    }

    /**
     * Help texts wrap at 80 columns, and picocli may break a line after any dot: "docs/cli.md",
     * "cairn.checkpoint.kbytes" or "log/log.0000000003" cut in two cannot be pasted from the help.
     * Every dotted name in a command's or an option's description must come out whole.
     */
    @Test
    void dottedNamesInTheHelpAreNotCutAtTheEndOfALine() {
        picocli.CommandLine top = CairnCli.commandLine(new java.io.PrintWriter(new java.io.StringWriter()),
                new java.io.PrintWriter(new java.io.StringWriter()), java.io.InputStream.nullInputStream());
        List<picocli.CommandLine> all = new ArrayList<>(List.of(top));
        all.addAll(top.getSubcommands().values());
        java.util.regex.Pattern dotted = java.util.regex.Pattern.compile("[\\w/<>=-]*\\w\\.\\w[\\w/<>.=-]*\\w");
        for (picocli.CommandLine c : all) {
            String help = c.getUsageMessage();
            List<String> texts = new ArrayList<>(List.of(c.getCommandSpec().usageMessage().description()));
            for (picocli.CommandLine.Model.OptionSpec o : c.getCommandSpec().options()) {
                texts.addAll(List.of(o.description()));
            }
            for (picocli.CommandLine.Model.PositionalParamSpec p : c.getCommandSpec().positionalParameters()) {
                texts.addAll(List.of(p.description()));
            }
            for (picocli.CommandLine sub : c.getSubcommands().values()) {
                texts.add(sub.getCommandSpec().usageMessage().description()[0]); // the overview's summary
            }
            for (String text : texts) {
                java.util.regex.Matcher m = dotted.matcher(text);
                while (m.find()) {
                    assertTrue(help.contains(m.group()), c.getCommandSpec().qualifiedName() + " --help cuts '" + m.group()
                            + "':\n" + help);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("commands")
    void helpPrintsUsageAndSucceeds(List<String> command) {
        CliRun.Result r = CliRun.run(command.get(0), "--help");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().startsWith("Usage: cairn " + command.get(0)), r::toString);
        assertTrue(r.out().contains("-h HOME") || command.get(0).equals("bench"), r::toString);
    }

    /**
     * An empty path is what an unset shell variable gives ({@code -h "$STORE"}); taken as the current
     * directory it could create an environment or a backup there. It is a usage error instead.
     */
    @ParameterizedTest
    @MethodSource("commands")
    void anEmptyHomeIsAUsageError(List<String> command) {
        CliRun.Result r = CliRun.run(with(command, "-h", ""));
        assertEquals(ExitCodes.USAGE, r.exit(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        assertTrue(r.err().contains("'-h': an empty path (an unset shell variable?)"), r::toString);
    }

    @Test
    void emptyPathsElsewhereAreUsageErrorsToo() {
        Path home = dir.resolve("env");
        TestEnvironments.create(home, "db", 1);
        for (List<String> args : List.of(List.of("hotbackup", "-h", home.toString(), "-b", ""),
                List.of("failover", "-h", home.toString(), "-b", ""), List.of("verifybackup", ""),
                List.of("dump", "-h", home.toString(), "-f", "", "db"),
                List.of("recover", "-c", "-h", home.toString(), "--logs", ""))) {
            CliRun.Result r = CliRun.run(args.toArray(String[]::new));
            assertEquals(ExitCodes.USAGE, r.exit(), args + ": " + r);
            assertTrue(r.err().contains("an empty path (an unset shell variable?)"), args + ": " + r);
        }
    }

    @ParameterizedTest
    @MethodSource("commands")
    void wrongFlagIsAUsageErrorNamingIt(List<String> command) {
        CliRun.Result r = CliRun.run(with(command, "-h", dir.toString(), "--no-such-flag"));
        assertEquals(ExitCodes.USAGE, r.exit(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        assertTrue(r.err().startsWith("cairn " + command.get(0) + ": "), r::toString);
        assertTrue(r.err().contains("--no-such-flag"), r::toString);
    }

    /** The line docs/cli.md shows for a mistyped option, exactly (it once showed the option twice). */
    @Test
    void aMistypedOptionPrintsTheLineTheDocsShow() {
        CliRun.Result r = CliRun.run("dump", "-h", dir.toString(), "--no-such-flag", "db");
        assertEquals("cairn dump: Unknown option: '--no-such-flag' (see cairn dump --help)", r.err().strip(), r::toString);
    }

    @ParameterizedTest
    @MethodSource("commands")
    void wrongFlagIsNamedEvenWhenHomeIsMissingToo(List<String> command) {
        CliRun.Result r = CliRun.run(with(command, "-x"));
        assertEquals(ExitCodes.USAGE, r.exit(), r::toString);
        assertTrue(r.err().contains("Unknown option: '-x'"), r::toString);
    }

    @ParameterizedTest
    @MethodSource("commands")
    void missingHomeFailsOnOneLineAndCreatesNothing(List<String> command) {
        Path missing = dir.resolve("no-such-home");
        CliRun.Result r = CliRun.run(with(command, "-h", missing.toString()));
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        assertTrue(r.err().contains(missing.toString()) && r.err().contains("does not exist"), r::toString);
        assertTrue(Files.notExists(missing), "the command created the home");
    }

    @ParameterizedTest
    @MethodSource("commands")
    void homeThatIsNotAnEnvironmentIsRefused(List<String> command) throws IOException {
        Path other = Files.createDirectories(dir.resolve("photos"));
        Files.writeString(other.resolve("holiday.jpg"), "not a database");
        CliRun.Result r = runWith(command, "-h", other.toString());
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        assertTrue(r.err().contains("is not a Cairn environment"), r::toString);
        try (Stream<Path> files = Files.list(other)) {
            assertEquals(List.of(other.resolve("holiday.jpg")), files.toList(), "the command wrote into the directory");
        }
    }

    @ParameterizedTest
    @MethodSource("lockingCommands")
    void lockedEnvironmentIsRefusedNamingTheHolder(List<String> command) {
        Path home = dir.resolve("env");
        TestEnvironments.create(home, "db", 3);
        Environment holder = Environment.open(home);
        try {
            CliRun.Result r = runWith(command, "-h", home.toString());
            assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
            assertEquals(1, r.errLines().length, r::toString);
            assertTrue(r.err().contains("is in use by process " + ProcessHandle.current().pid()), r::toString);
        } finally {
            holder.close();
        }
    }

    @ParameterizedTest
    @MethodSource("lockingCommands")
    void corruptDataFileIsNamedWithItsOffset(List<String> command) throws IOException {
        Path home = dir.resolve("env");
        TestEnvironments.create(home, "db", 3);
        Path file = home.resolve("data/db.cdb");
        long offset;
        try (StorageFile f = NioFileIO.INSTANCE.open(file, false, false)) {
            DataFileHeader h = DataFile.readHeader(f, file);
            offset = h.spaceMapPage() * h.pageSize();
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {42, 42, 42}), offset + 40);
        }
        CliRun.Result r = runWith(command, "-h", home.toString());
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        assertTrue(r.err().contains(file + ": corrupt at offset " + offset + ": "), r::toString);
    }

    @Test
    void corruptLogSegmentIsNamedWithItsOffset() throws IOException {
        Path home = dir.resolve("env");
        TestEnvironments.create(home, "db", 3);
        Path segment = home.resolve("log/log.0000000001");
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {42}), 64 + 10); // inside the first record, which later ones prove forced
        }
        // Recovery starts at the last checkpoint and never reads that record; the tools that read the whole log see it.
        assertEquals(0, CliRun.run("recover", "-h", home.toString()).exit());
        for (String command : List.of("printlog", "verify")) {
            CliRun.Result r = CliRun.run(command, "-h", home.toString());
            assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
            assertEquals(1, r.errLines().length, r::toString);
            assertTrue(r.err().contains(segment + (command.equals("verify") ? " offset 64: " : ": corrupt at offset 64: ")),
                    r::toString);
        }
    }

    /**
     * Output that cannot be written (a dump redirected to a full disk) fails the command instead of
     * ending with status 0 and a truncated file.
     */
    @Test
    void aCommandWhoseOutputCannotBeWrittenFails() {
        Path home = dir.resolve("env");
        TestEnvironments.create(home, "db", 3);
        java.io.OutputStream full = new java.io.OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("No space left on device");
            }
        };
        for (String[] args : List.of(new String[] {"dump", "-h", home.toString(), "db"},
                new String[] {"printlog", "-h", home.toString()}, new String[] {"archive", "-l", "-h", home.toString()})) {
            java.io.StringWriter err = new java.io.StringWriter();
            int status = CairnCli.run(args, new java.io.PrintWriter(full), new java.io.PrintWriter(err, true),
                    java.io.InputStream.nullInputStream());
            assertEquals(ExitCodes.FAILED, status, args[0] + ": " + err);
            assertTrue(err.toString().contains("writing to standard output failed"), err.toString());
        }
        Path file = dir.resolve("no-such-dir/out.dump");
        CliRun.Result r = CliRun.run("dump", "-h", home.toString(), "-f", file.toString(), "db");
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        // the file was never created: it is not called incomplete
        assertEquals(List.of("cairn dump: cannot create the dump file " + file + ": its directory " + file.getParent()
                + " does not exist"), List.of(r.errLines()), r::toString);
    }

    @Test
    void unexpectedErrorsAreStillOneLine() {
        assertEquals("java.lang.NullPointerException: boom (an internal error; run with CAIRN_DEBUG=1 for the stack"
                + " trace and report it)", Errors.oneLine(new NullPointerException("boom")));
        assertEquals("first; second", Errors.oneLine(new IllegalStateException("first\n  second\n")));
    }
}
