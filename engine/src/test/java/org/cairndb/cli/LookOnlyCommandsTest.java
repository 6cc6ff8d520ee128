package org.cairndb.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.cairndb.DirectorySnapshot;
import org.cairndb.TestSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The commands that only look ({@code stat}, {@code dump}, {@code archive} without {@code -d},
 * {@code bench --check}) leave the directory exactly as they found it, whether they succeed or
 * fail; and a directory holding neither data files nor log segments is no environment: every
 * command that may not create one refuses it in one line and leaves it alone.
 */
class LookOnlyCommandsTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"as a crash left it", "a copy without its lock file"})
    void looksLeaveAnEnvironmentAsTheyFoundIt(String which) throws Exception {
        Path home = LookOnlyFixtures.crashedBenchEnvironment(dir.resolve("env"));
        if (which.startsWith("a copy")) {
            Path copy = dir.resolve("copy");
            TestSupport.copyTree(home, copy);
            home = copy;
        }
        for (String[] look : LookOnlyFixtures.looks(home, dir.resolve("accounts.dump"))) {
            Map<String, String> before = DirectorySnapshot.of(home);
            CliRun.Result r = CliRun.run(look);
            assertEquals(0, r.exit(), () -> String.join(" ", look) + ": " + r);
            assertEquals(before, DirectorySnapshot.of(home), () -> String.join(" ", look) + " changed the directory");
        }
    }

    @Test
    void failingLooksLeaveAnEnvironmentAsTheyFoundIt() throws Exception {
        Path home = LookOnlyFixtures.crashedBenchEnvironment(dir.resolve("env"));
        String h = home.toString();
        List<String[]> failing = List.of(new String[] {"stat", "-h", h, "-d", "nosuch"},
                new String[] {"dump", "-h", h, "nosuch"}, new String[] {"bench", "-h", h, "--check", "--check-acks",
                        dir.resolve("no-such-acks").toString()});
        for (String[] look : failing) {
            Map<String, String> before = DirectorySnapshot.of(home);
            CliRun.Result r = CliRun.run(look);
            assertEquals(ExitCodes.FAILED, r.exit(), () -> String.join(" ", look) + ": " + r);
            assertEquals(1, r.errLines().length, r::toString);
            assertEquals(before, DirectorySnapshot.of(home), () -> String.join(" ", look) + " changed the directory");
        }
    }

    /** A damaged data file and nothing else: each look names it, and leaves no lock file or log/ behind. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"stat", "dump -l", "archive", "bench --check"})
    void aLookThatFindsADamagedDataFileLeavesNothingBehind(String command) throws IOException {
        Path home = dir.resolve("damaged");
        Files.createDirectories(home.resolve("data"));
        Files.writeString(home.resolve("data/foo.cdb"), "x\n");
        Map<String, String> before = DirectorySnapshot.of(home);
        CliRun.Result r = CliRun.run(LookOnlyFixtures.args(command, home));
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        assertTrue(r.err().contains(home.resolve("data/foo.cdb") + ": corrupt at offset 0"), r::toString);
        assertEquals(before, DirectorySnapshot.of(home), "the failed look changed the directory");
    }

    static Stream<Arguments> emptyHomes() {
        List<Arguments> list = new ArrayList<>();
        for (String layout : List.of("log", "data", "data+log")) {
            for (String command : List.of("stat", "dump -l", "archive", "bench --check", "recover", "recover -c",
                    "checkpoint -1")) {
                list.add(Arguments.of(layout, command));
            }
        }
        return list.stream();
    }

    /** Empty data/ and log/ directories are no environment: opening them created a new one there. */
    @ParameterizedTest(name = "{1} on a home with only {0}/")
    @MethodSource("emptyHomes")
    void aHomeWithoutDataFilesOrSegmentsIsRefusedAndLeftAlone(String layout, String command) throws IOException {
        Path home = dir.resolve("empty");
        for (String d : layout.split("\\+")) {
            Files.createDirectories(home.resolve(d));
        }
        Map<String, String> before = DirectorySnapshot.of(home);
        CliRun.Result r = CliRun.run(LookOnlyFixtures.args(command, home));
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        assertTrue(r.err().contains(home + " is not a Cairn environment: it has no data files (data/*.cdb) and no log"
                + " segments (log/log.*)"), r::toString);
        assertEquals(before, DirectorySnapshot.of(home), "the refused command changed the directory");
    }

    static Stream<Arguments> partsOfAnEnvironment() {
        List<Arguments> list = new ArrayList<>();
        for (String part : List.of("data", "log")) {
            for (String command : List.of("stat", "dump -l", "archive", "bench --check", "recover", "recover -c",
                    "checkpoint -1", "hotbackup -b " + "/nonexistent-backup-target", "verify", "printlog",
                    "archive -l", "archive -s")) {
                list.add(Arguments.of(part, command));
            }
        }
        return list.stream();
    }

    /**
     * An environment's data/ or log/ directory given as the home looked like a flat backup: every
     * command said a log segment was missing and suggested catastrophic recovery, and the writing
     * ones left a lock file (and recovered data files) inside it. The commands that only read files
     * took it as a flat home: printlog of data/ printed nothing, verify of log/ verified no database,
     * archive -l/-s listed the directory's files, all with exit status 0.
     */
    @ParameterizedTest(name = "{1} on the environment's {0}/")
    @MethodSource("partsOfAnEnvironment")
    void theDataOrLogDirectoryGivenAsTheHomeIsNamedAsSuch(String part, String command) throws Exception {
        Path home = LookOnlyFixtures.crashedBenchEnvironment(dir.resolve("env"));
        Map<String, String> before = DirectorySnapshot.of(home);
        CliRun.Result r = CliRun.run(LookOnlyFixtures.args(command, home.resolve(part)));
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        assertTrue(r.err().contains(home.resolve(part) + " is the " + part + "/ directory of the environment in " + home
                + ", not an environment itself: give " + home + " as the home"), r::toString);
        assertEquals(before, DirectorySnapshot.of(home), "the refused command changed the environment");
    }

    /**
     * Catastrophic recovery may start from an empty log/: its segments come from the archive
     * directory or --logs. (It also failed before: the environment id was looked for before the
     * segments were gathered.)
     */
    @ParameterizedTest(name = "segments in {0}")
    @ValueSource(strings = {"--logs", "the archive directory"})
    void catastrophicRecoveryMayStartFromAnEmptyLogWithItsSegmentsElsewhere(String where) throws IOException {
        Path source = dir.resolve("source");
        assertEquals(0, CliRun.run("bench", "-h", source.toString(), "--init", "--accounts", "20").exit());
        Path home = dir.resolve("restored");
        Files.createDirectories(home.resolve("log"));
        Path segments = where.equals("--logs") ? dir.resolve("logs") : home.resolve("archive");
        Files.createDirectories(segments);
        try (Stream<Path> s = Files.list(source.resolve("log"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (p.getFileName().toString().matches("log\\.\\d{10}")) {
                    Files.copy(p, segments.resolve(p.getFileName()));
                }
            }
        }
        CliRun.Result r = where.equals("--logs")
                ? CliRun.run("recover", "-c", "-h", home.toString(), "--logs", segments.toString())
                : CliRun.run("recover", "-c", "-h", home.toString());
        assertEquals(0, r.exit(), r::toString);
        CliRun.Result check = CliRun.run("bench", "-h", home.toString(), "--check");
        assertEquals(0, check.exit(), check::toString);
        assertTrue(check.out().contains("check ok: 20 accounts"), check::toString);
    }
}
