package org.cairndb.cli;

import static org.cairndb.cli.TestEnvironments.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.cairndb.Cursor;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.Transaction;
import org.cairndb.TestSupport;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DumpLoadCommandTest {

    @TempDir
    Path dir;

    private Path source;
    private Path target;

    @BeforeEach
    void homes() throws IOException {
        source = dir.resolve("source");
        target = Files.createDirectories(dir.resolve("target"));
    }

    /** A database with awkward bytes: binary keys, backslashes, empty and large (overflow) values. */
    private void createAwkwardDatabase() {
        Random random = new Random(7);
        try (Environment env = Environment.open(source)) {
            Database db = env.openDatabase("mixed");
            try (Transaction txn = env.beginTransaction()) {
                for (int i = 0; i < 500; i++) {
                    byte[] key = new byte[1 + random.nextInt(30)];
                    random.nextBytes(key);
                    byte[] value = new byte[i % 100 == 0 ? 20_000 : random.nextInt(50)];
                    random.nextBytes(value);
                    db.put(txn, key, value);
                }
                db.put(txn, b("back\\slash"), b("tab\there"));
                db.put(txn, b("empty"), new byte[0]);
                txn.commit();
            }
        }
    }

    private static List<String> contents(Path home, String name) {
        List<String> records = new ArrayList<>();
        try (Environment env = Environment.open(home, new EnvironmentConfig().allowCreate(false));
                Cursor c = env.openDatabase(name, false).openCursor(null)) {
            for (boolean ok = c.first(); ok; ok = c.next()) {
                records.add(HexFormat.of().formatHex(c.key()) + " " + HexFormat.of().formatHex(c.value()));
            }
        }
        return records;
    }

    @Test
    void dumpThenLoadReproducesTheDatabaseInBothFormats() throws IOException {
        createAwkwardDatabase();
        List<String> original = contents(source, "mixed");
        for (String format : List.of("bytevalue", "print")) {
            Path file = dir.resolve(format + ".dump");
            CliRun.Result d = format.equals("print")
                    ? CliRun.run("dump", "-h", source.toString(), "-p", "-f", file.toString(), "mixed")
                    : CliRun.run("dump", "-h", source.toString(), "-f", file.toString(), "mixed");
            assertEquals(0, d.exit(), d::toString);
            assertTrue(d.out().contains("dumped 502 records of 'mixed' to " + file), d::toString);
            assertTrue(Files.readString(file, StandardCharsets.US_ASCII).startsWith("VERSION=3\nformat=" + format
                    + "\ntype=btree\nHEADER=END\n"));
            CliRun.Result l = CliRun.run("load", "-h", target.toString(), "-f", file.toString(), format);
            assertEquals(0, l.exit(), l::toString);
            assertEquals("loaded 502 records into '" + format + "' in 1 transaction" + System.lineSeparator(), l.out());
            assertEquals(original, contents(target, format));
        }
    }

    @Test
    void dumpToStandardOutputAndLoadFromStandardInput() {
        TestEnvironments.create(source, "db", 3);
        CliRun.Result d = CliRun.run("dump", "-h", source.toString(), "-p", "db");
        assertEquals(0, d.exit(), d::toString);
        assertEquals("VERSION=3\nformat=print\ntype=btree\nHEADER=END\n k00000\n v0\n k00001\n v1\n k00002\n v2\nDATA=END\n",
                d.out());
        CliRun.Result l = CliRun.runWithInput(d.out(), "load", "-h", target.toString(), "copy");
        assertEquals(0, l.exit(), l::toString);
        assertEquals(contents(source, "db"), contents(target, "copy"));
    }

    /**
     * A dump written into a named pipe and a load read from one: the load asked the pipe for a
     * position ("Illegal seek"), and the dump's summary went to standard output, which the pipe could
     * be ({@code -f /dev/stdout}).
     */
    @Test
    void dumpIntoAndLoadFromNamedPipes() throws Exception {
        Path out = dir.resolve("out.fifo");
        Path in = dir.resolve("in.fifo");
        Assumptions.assumeTrue(mkfifo(out) && mkfifo(in), "mkfifo is not available");
        TestEnvironments.create(source, "db", 3);
        CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> readAll(out), TestSupport.OWN_THREAD);
        CliRun.Result d = CliRun.run("dump", "-h", source.toString(), "-f", out.toString(), "db");
        assertEquals(0, d.exit(), d::toString);
        byte[] dump = read.get(30, TimeUnit.SECONDS);
        assertTrue(new String(dump, StandardCharsets.US_ASCII).endsWith("DATA=END\n"), () -> new String(dump, StandardCharsets.US_ASCII));
        assertEquals("", d.out(), d::toString);
        assertTrue(d.err().contains("dumped 3 records of 'db' to " + out), d::toString);

        CompletableFuture<Void> written = CompletableFuture.runAsync(() -> {
            try {
                Files.write(in, dump);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, TestSupport.OWN_THREAD);
        CliRun.Result l = CliRun.run("load", "-h", target.toString(), "-f", in.toString(), "copy");
        written.get(30, TimeUnit.SECONDS);
        assertEquals(0, l.exit(), l::toString);
        assertEquals(contents(source, "db"), contents(target, "copy"));
    }

    /**
     * A shell's process substitution: {@code cairn dump -f >(gzip > f)} names {@code /dev/fd/63}, a
     * link to an anonymous pipe ({@code pipe:[1234]}, no file). The dump's check that its file lies
     * outside the environment followed that link and said "no such file or directory". Here the pipe
     * is a child's standard input, named through {@code /proc/self/fd}. (A load from such a pipe reads
     * it as {@link #dumpIntoAndLoadFromNamedPipes} reads a named one.)
     */
    @Test
    void dumpIntoAProcessSubstitutionsPipe() throws Exception {
        Path fds = Path.of("/proc/self/fd");
        Assumptions.assumeTrue(Files.isDirectory(fds), "no /proc/self/fd");
        TestEnvironments.create(source, "db", 3);
        Path received = dir.resolve("received.dump");
        Map<Path, String> before = pipes(fds);
        Process cat = new ProcessBuilder("cat").redirectOutput(received.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            Path pipe = newPipe(fds, before);
            Assumptions.assumeTrue(pipe != null, "cannot tell the child's pipe among " + pipes(fds));
            CliRun.Result d = CliRun.run("dump", "-h", source.toString(), "-f", pipe.toString(), "db");
            assertEquals(0, d.exit(), d::toString);
            cat.getOutputStream().close();
            assertTrue(cat.waitFor(30, TimeUnit.SECONDS));
        } finally {
            cat.destroy();
        }
        CliRun.Result l = CliRun.run("load", "-h", target.toString(), "-f", received.toString(), "copy");
        assertEquals(0, l.exit(), l::toString);
        assertEquals(contents(source, "db"), contents(target, "copy"));
    }

    /** The pipe this process opened since {@code before} was taken, as a /proc/self/fd path, or null if not exactly one. */
    private static Path newPipe(Path fds, Map<Path, String> before) throws IOException {
        List<Path> opened = new ArrayList<>();
        pipes(fds).forEach((fd, pipe) -> {
            if (!before.containsValue(pipe)) {
                opened.add(fd);
            }
        });
        return opened.size() == 1 ? opened.get(0) : null;
    }

    /** This process's open file descriptors that are pipes, each with its pipe ({@code pipe:[inode]}). */
    private static Map<Path, String> pipes(Path fds) throws IOException {
        Map<Path, String> pipes = new TreeMap<>();
        try (Stream<Path> s = Files.list(fds)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                try {
                    String target = Files.readSymbolicLink(p).toString();
                    if (target.startsWith("pipe:")) {
                        pipes.put(p, target);
                    }
                } catch (IOException e) {
                    // closed meanwhile (the listing's own descriptor)
                }
            }
        }
        return pipes;
    }

    private static boolean mkfifo(Path p) throws InterruptedException {
        try {
            return new ProcessBuilder("mkfifo", p.toString()).inheritIO().start().waitFor() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    private static byte[] readAll(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void listDatabases() {
        TestEnvironments.create(source, "beta", 1);
        TestEnvironments.create(source, "alpha", 1);
        CliRun.Result r = CliRun.run("dump", "-h", source.toString(), "-l");
        assertEquals(0, r.exit(), r::toString);
        assertEquals(List.of("alpha", "beta"), r.out().lines().toList());
        assertEquals(ExitCodes.USAGE, CliRun.run("dump", "-h", source.toString(), "-l", "alpha").exit());
        assertEquals(ExitCodes.USAGE, CliRun.run("dump", "-h", source.toString()).exit());
        // -p shapes a dump; with -l it was accepted and did nothing.
        CliRun.Result p = CliRun.run("dump", "-h", source.toString(), "-l", "-p");
        assertEquals(ExitCodes.USAGE, p.exit(), p::toString);
        assertTrue(p.err().contains("-p applies to a dump"), p::toString);
    }

    @Test
    void dumpOfAMissingDatabaseNamesTheExistingOnes() {
        TestEnvironments.create(source, "alpha", 1);
        CliRun.Result r = CliRun.run("dump", "-h", source.toString(), "nope");
        assertEquals(ExitCodes.FAILED, r.exit());
        assertEquals(1, r.errLines().length, r::toString);
        assertTrue(r.err().contains("'nope' does not exist") && r.err().contains("[alpha]"), r::toString);
    }

    @Test
    void loadsRealDbDumpOutput() throws IOException {
        for (String fixture : List.of("bdb-btree-bytevalue.dump", "bdb-btree-print.dump")) {
            CliRun.Result r = CliRun.run(resource(fixture), "load", "-h", target.toString(), "fx");
            assertEquals(0, r.exit(), r::toString);
            assertEquals(resourceText("bdb-btree-expected.txt").lines().toList(), contents(target, "fx"));
        }
        CliRun.Result r = CliRun.run(resource("bdb-hash-subdatabase.dump"), "load", "-h", target.toString(), "inventory");
        assertEquals(0, r.exit(), r::toString);
        assertEquals(List.of("616c706861 31", "62657461 32", "67616d6d61 33"), contents(target, "inventory"));
    }

    @Test
    void badLineNamesItsLineAndKeepsOnlyTheBatchesCommittedBefore() {
        StringBuilder dump = new StringBuilder("VERSION=3\nformat=print\ntype=btree\nHEADER=END\n");
        for (int i = 0; i < 8; i++) {
            dump.append(" key").append(i).append("\n value\n");
        }
        dump.append(" broken\n bad\\zz\n"); // the key on line 21, its bad value on line 22
        dump.append(" key9\n v\nDATA=END\n");
        CliRun.Result r = CliRun.runWithInput(dump.toString(), "load", "-h", target.toString(), "--batch", "3", "db");
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        assertTrue(r.err().startsWith("cairn load: standard input: line 22: bad escape"), r::toString);
        assertTrue(r.err().contains("6 records were committed before it, the 2 records read since were rolled back"),
                r::toString);
        List<String> loaded = contents(target, "db");
        assertEquals(6, loaded.size(), loaded::toString);
    }

    @Test
    void oversizedKeyInADumpIsRefusedWithItsLine() throws IOException {
        Path file = dir.resolve("big-key.dump");
        Files.writeString(file, "VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n 6b\n 76\n " + "61".repeat(5000)
                + "\n 76\nDATA=END\n", StandardCharsets.US_ASCII);
        CliRun.Result r = CliRun.run("load", "-h", target.toString(), "-f", file.toString(), "db");
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        assertTrue(r.err().contains(file + ": line 7: key of 5000 bytes is larger than the maximum of 4096 bytes"),
                r::toString);
        assertTrue(r.err().contains("0 records were committed before it, the 1 record read since was rolled back and"
                + " database 'db', which this load created, was removed again"), r::toString);
        assertEquals("", CliRun.run("dump", "-h", target.toString(), "-l").out());
    }

    @Test
    void keepExistingSkipsKeysThatAreThere() {
        try (Environment env = Environment.open(target)) {
            env.openDatabase("db").put(null, b("k1"), b("mine"));
        }
        CliRun.Result r = CliRun.runWithInput("VERSION=3\nformat=print\nHEADER=END\n k1\n theirs\n k2\n new\nDATA=END\n",
                "load", "-h", target.toString(), "-n", "db");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("loaded 1 record into 'db'") && r.out().contains("skipped 1"), r::toString);
        try (Environment env = Environment.open(target)) {
            Database db = env.openDatabase("db", false);
            assertArrayEquals(b("mine"), db.get(null, b("k1")));
            assertArrayEquals(b("new"), db.get(null, b("k2")));
        }
    }

    @Test
    void loadIntoAnEmptyDirectoryCreatesTheEnvironmentButNotIntoAMissingOne() {
        String dump = "VERSION=3\nformat=print\nHEADER=END\n k\n v\nDATA=END\n";
        assertEquals(0, CliRun.runWithInput(dump, "load", "-h", target.toString(), "db").exit());
        assertTrue(Files.isDirectory(target.resolve("log")));
        CliRun.Result r = CliRun.runWithInput(dump, "load", "-h", dir.resolve("typo").toString(), "db");
        assertEquals(ExitCodes.FAILED, r.exit());
        assertTrue(Files.notExists(dir.resolve("typo")));
    }

    /**
     * db_dump's -f names the output, but a user thinking of the database file may give the
     * environment's own data file, a segment or its configuration: that would overwrite it. Refused
     * before anything is written, also through a symbolic link to the home.
     */
    @Test
    void aDumpFileAmongTheEnvironmentsOwnFilesIsRefused() throws IOException {
        TestEnvironments.create(source, "db", 20);
        Path link = Files.createSymbolicLink(dir.resolve("link"), source);
        java.util.Map<Path, byte[]> before = new java.util.HashMap<>();
        for (Path p : List.of(source.resolve("data/db.cdb"), source.resolve("log/log.0000000001"),
                source.resolve("cairn.lock"))) {
            before.put(p, Files.readAllBytes(p));
        }
        for (Path f : List.of(source.resolve("data/db.cdb"), source.resolve("log/log.0000000001"),
                source.resolve("data/new.cdb"), source.resolve("cairn.properties"), source.resolve("cairn.lock"),
                link.resolve("data/db.cdb"))) {
            CliRun.Result r = CliRun.run("dump", "-h", source.toString(), "-f", f.toString(), "db");
            assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
            assertEquals(1, r.errLines().length, r::toString);
            assertTrue(r.err().contains("cannot write the dump file " + f + ": it would overwrite or sit among the"
                    + " environment's own files"), r::toString);
        }
        for (var e : before.entrySet()) {
            assertTrue(java.util.Arrays.equals(e.getValue(), Files.readAllBytes(e.getKey())), e.getKey() + " unchanged");
        }
        assertTrue(Files.notExists(source.resolve("data/new.cdb")) && Files.notExists(source.resolve("cairn.properties")));
        assertEquals(20, contents(source, "db").size());
        // Beside the files, in the home itself, a dump is fine.
        assertEquals(0, CliRun.run("dump", "-h", source.toString(), "-f", source.resolve("db.dump").toString(), "db").exit());
    }

    @Test
    void missingInputFileIsNamed() {
        CliRun.Result r = CliRun.run("load", "-h", target.toString(), "-f", dir.resolve("nope.dump").toString(), "db");
        assertEquals(ExitCodes.FAILED, r.exit());
        assertTrue(r.err().contains("no such file or directory: " + dir.resolve("nope.dump")), r::toString);
    }

    @Test
    void badDatabaseNameIsACommandLineErrorAndCreatesNothing() throws IOException {
        String dump = "VERSION=3\nformat=print\nHEADER=END\n k\n v\nDATA=END\n";
        for (String name : List.of("../escape", "a/b")) {
            CliRun.Result r = CliRun.runWithInput(dump, "load", "-h", target.toString(), name);
            assertEquals(ExitCodes.USAGE, r.exit(), r::toString);
            assertEquals(1, r.errLines().length, r::toString);
            assertTrue(r.err().startsWith("cairn load: database name '" + name + "' may only contain letters"),
                    r::toString);
        }
        CliRun.Result r = CliRun.runWithInput(dump, "load", "-h", target.toString(), "");
        assertEquals(ExitCodes.USAGE, r.exit(), r::toString);
        assertEquals("cairn load: the database name is empty; it must have 1 to 100 characters", r.err().strip());
        r = CliRun.runWithInput(dump, "load", "-h", target.toString(), "x".repeat(101));
        assertEquals(ExitCodes.USAGE, r.exit(), r::toString);
        assertTrue(r.err().contains("has 101 characters; it must have 1 to 100"), r::toString);
        assertEquals(List.of(), filesIn(target));
        assertTrue(Files.notExists(dir.resolve("escape.cdb")));
    }

    /**
     * A name no database can have is a command-line error for every command that takes one, as it
     * is for load: dump, stat -d and verify reported it as a failed operation (exit 1).
     */
    @Test
    void aNameNoDatabaseCanHaveIsACommandLineErrorEverywhere() throws IOException {
        TestEnvironments.create(source, "db", 3);
        for (String name : List.of("", "a/b", "x".repeat(101))) {
            for (String[] args : List.of(new String[] {"dump", "-h", source.toString(), name},
                    new String[] {"stat", "-h", source.toString(), "-d", name},
                    new String[] {"verify", "-h", source.toString(), name})) {
                CliRun.Result r = CliRun.run(args);
                assertEquals(ExitCodes.USAGE, r.exit(), r::toString);
                assertEquals(1, r.errLines().length, r::toString);
                assertTrue(r.err().startsWith("cairn " + args[0] + ": ") && (r.err().contains("1 to 100")
                        || r.err().contains("may only contain letters")), r::toString);
            }
        }
    }

    @Test
    void aRefusedHeaderLeavesAFreshDirectoryEmpty() throws IOException {
        Path garbage = Files.writeString(dir.resolve("g"), "garbage\n");
        CliRun.Result r = CliRun.run("load", "-h", target.toString(), "-f", garbage.toString(), "x");
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        assertTrue(r.err().startsWith("cairn load: " + garbage + ": line 1: expected a header line"), r::toString);
        assertTrue(!r.err().contains("committed"), r::toString); // nothing was opened, so nothing to report on
        r = CliRun.run("load", "-h", target.toString(), "x"); // empty standard input
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertTrue(r.err().startsWith("cairn load: standard input: line 1: input is empty: not a dump"), r::toString);
        r = CliRun.runWithInput("VERSION=3\nformat=print\ntype=recno\nHEADER=END\n", "load", "-h", target.toString(), "x");
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertTrue(r.err().contains("line 3: type=recno cannot be loaded"), r::toString);
        assertEquals(List.of(), filesIn(target));
    }

    @Test
    void aRefusedHeaderLeavesAnExistingEnvironmentUnchanged() throws IOException {
        TestEnvironments.create(target, "db", 3);
        Map<String, String> before = snapshot(target);
        for (String input : List.of("garbage\n", "", "VERSION=3\nHEADER=END\n")) {
            CliRun.Result r = CliRun.runWithInput(input, "load", "-h", target.toString(), "db");
            assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
            assertEquals(before, snapshot(target), () -> "after loading '" + input + "'");
        }
        CliRun.Result r = CliRun.runWithInput("garbage\n", "load", "-h", target.toString(), "a/b");
        assertEquals(ExitCodes.USAGE, r.exit(), r::toString);
        assertEquals(before, snapshot(target));
    }

    @Test
    void aFailedLoadOfANewDatabaseLeavesNoDatabaseBehind() throws IOException {
        TestEnvironments.create(source, "one", 2);
        TestEnvironments.create(source, "two", 2);
        String one = CliRun.run("dump", "-h", source.toString(), "-p", "one").out();
        String two = CliRun.run("dump", "-h", source.toString(), "-p", "two").out();
        CliRun.Result r = CliRun.runWithInput(one + two, "load", "-h", target.toString(), "both");
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        assertEquals("", CliRun.run("dump", "-h", target.toString(), "-l").out());
        assertTrue(r.err().contains("line 10: input goes on after DATA=END (a second database?)"), r::toString);
        assertTrue(r.err().contains("0 records were committed before it, the 2 records read since were rolled back"
                + " and database 'both', which this load created, was removed again"), r::toString);
        // a bad first record, too
        r = CliRun.runWithInput("VERSION=3\nformat=print\nHEADER=END\n k\n bad\\zz\nDATA=END\n", "load", "-h",
                target.toString(), "other");
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertTrue(r.err().contains("line 5: bad escape"), r::toString);
        assertEquals("", CliRun.run("dump", "-h", target.toString(), "-l").out());
    }

    @Test
    void aFailedLoadKeepsADatabaseThatExistedBefore() {
        TestEnvironments.create(target, "db", 3);
        CliRun.Result r = CliRun.runWithInput("VERSION=3\nformat=print\nHEADER=END\n new\n v\n bad\n \\zz\nDATA=END\n",
                "load", "-h", target.toString(), "db");
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertTrue(r.err().contains("line 7: bad escape"), r::toString);
        assertTrue(!r.err().contains("removed"), r::toString);
        assertEquals(3, contents(target, "db").size());
    }

    @Test
    void aBatchIsCommittedAsSoonAsItIsFull() {
        StringBuilder dump = new StringBuilder("VERSION=3\nformat=print\nHEADER=END\n");
        for (int i = 1; i <= 4; i++) {
            dump.append(" key").append(i).append("\n value\n");
        }
        dump.append(" key5\n bad\\zz\nDATA=END\n"); // record 5, its value on line 13
        CliRun.Result r = CliRun.runWithInput(dump.toString(), "load", "-h", target.toString(), "--batch", "2", "db");
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        assertTrue(r.err().startsWith("cairn load: standard input: line 13: bad escape"), r::toString);
        assertTrue(r.err().endsWith("; 4 records were committed before it" + System.lineSeparator()), r::toString);
        assertEquals(4, contents(target, "db").size());
        // the summary counts exactly the transactions that committed: no empty one at the end
        CliRun.Result ok = CliRun.runWithInput("VERSION=3\nformat=print\nHEADER=END\n a\n 1\n b\n 2\nDATA=END\n",
                "load", "-h", target.toString(), "--batch", "2", "two");
        assertEquals(0, ok.exit(), ok::toString);
        assertEquals("loaded 2 records into 'two' in 1 transaction" + System.lineSeparator(), ok.out());
    }

    @Test
    void aRecordLargerThanATransactionMayWriteNamesItsLine() throws IOException {
        try (Environment env = Environment.open(target)) {
            env.openDatabase("db");
        }
        Files.writeString(target.resolve("cairn.properties"), "cairn.txn.max.bytes=1m\n");
        Path file = dir.resolve("big.dump");
        Files.writeString(file, "VERSION=3\nformat=bytevalue\nHEADER=END\n 61\n 31\n 62\n "
                + "78".repeat((1 << 20) + 1) + "\n 63\n 33\nDATA=END\n", StandardCharsets.US_ASCII);
        CliRun.Result r = CliRun.run("load", "-h", target.toString(), "-f", file.toString(), "db");
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        assertTrue(r.err().startsWith("cairn load: " + file + ": line 7: record 2 (key on line 6) has 1048578 bytes of"
                + " key and value, more than one transaction may write (cairn.txn.max.bytes, 1048576 bytes);"
                + " raise cairn.txn.max.bytes in " + target.resolve("cairn.properties") + " to at least 1048578"),
                r::toString);
        // the record before it was committed first: a batch is cut before a record that does not fit
        assertTrue(r.err().endsWith("; 1 record was committed before it" + System.lineSeparator()), r::toString);
        assertEquals(List.of("61 31"), contents(target, "db"));
    }

    private static List<String> filesIn(Path home) throws IOException {
        try (Stream<Path> s = Files.walk(home)) {
            return s.filter(p -> !p.equals(home)).map(p -> home.relativize(p).toString()).sorted().toList();
        }
    }

    /** Every file under {@code home} with its size, modification time and a hash of its bytes. */
    private static Map<String, String> snapshot(Path home) throws IOException {
        Map<String, String> files = new TreeMap<>();
        for (String name : filesIn(home)) {
            Path p = home.resolve(name);
            files.put(name, Files.isDirectory(p) ? "dir"
                    : Files.size(p) + " " + Files.getLastModifiedTime(p) + " " + Arrays.hashCode(Files.readAllBytes(p)));
        }
        return files;
    }

    static InputStream resource(String name) {
        return DumpLoadCommandTest.class.getResourceAsStream("/dump/" + name);
    }

    static String resourceText(String name) throws IOException {
        try (InputStream in = resource(name)) {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
