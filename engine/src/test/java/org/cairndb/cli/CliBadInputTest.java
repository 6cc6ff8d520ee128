package org.cairndb.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every subcommand given bad input, as a new user types it: no home, a home that does not exist,
 * is a plain file, is not an environment, unknown flags, flags without their value, malformed and
 * conflicting values. Each must exit non-zero (2 for a command-line error, 1 for a home it cannot
 * use), say on one line, starting with the command's name, what is wrong (naming the flag or path),
 * print no stack trace (and for a command-line error nothing on stdout), and leave every file as it
 * was.
 *
 * <p>All cases share one set of directories, made once, since none may change them; a case that
 * did would fail here, and the comparison after every case finds it.
 */
class CliBadInputTest {

    @TempDir
    static Path root;

    /** A dump load accepts, on standard input: a case about the home must not fail on its input. */
    private static final String DUMP = "VERSION=3\nformat=print\nHEADER=END\n k\n v\nDATA=END\n";

    /** One bad command line: its arguments (with placeholders), exit status and what stderr must say. */
    record Case(List<String> args, int exit, String says) {
        @Override
        public String toString() {
            return String.join(" ", args);
        }
    }

    @BeforeAll
    static void directories() throws IOException {
        Path env = Files.createDirectories(root.resolve("env"));
        // small segments: every case reads every file to see that nothing changed
        Files.writeString(env.resolve("cairn.properties"), "cairn.log.segment.size=64k\n");
        TestEnvironments.create(env, "db", 20);
        Files.writeString(root.resolve("file"), "a plain file\n");
        Files.writeString(Files.createDirectories(root.resolve("photos")).resolve("cat.jpg"), "meow");
        Files.createDirectories(root.resolve("empty"));
    }

    /** Each subcommand with the arguments it needs besides -h (load reads DUMP). */
    private static final Map<String, List<String>> COMMANDS = new java.util.LinkedHashMap<>();

    static {
        COMMANDS.put("checkpoint", List.of("-1"));
        COMMANDS.put("recover", List.of());
        COMMANDS.put("verify", List.of());
        COMMANDS.put("stat", List.of());
        COMMANDS.put("printlog", List.of());
        COMMANDS.put("dump", List.of("db"));
        COMMANDS.put("load", List.of("db"));
        COMMANDS.put("archive", List.of());
        COMMANDS.put("hotbackup", List.of("-b", "@NEW"));
        COMMANDS.put("failover", List.of("-b", "@NEW"));
        COMMANDS.put("bench", List.of("--check"));
    }

    static Stream<Case> cases() {
        List<Case> cases = new ArrayList<>();
        int usage = ExitCodes.USAGE;
        int failed = ExitCodes.FAILED;
        COMMANDS.forEach((command, needs) -> {
            if (!command.equals("bench")) { // bench without -h uses its default environment
                cases.add(of(usage, "Missing required option: '-h HOME'", command, needs));
            }
            cases.add(of(failed, "environment home @NONE does not exist", command, needs, "-h", "@NONE"));
            cases.add(of(failed, "environment home @FILE is not a directory", command, needs, "-h", "@FILE"));
            cases.add(of(failed, "@PHOTOS is not a Cairn environment", command, needs, "-h", "@PHOTOS"));
            if (!command.equals("load")) { // load creates an environment in an empty directory
                cases.add(of(failed, "@EMPTY is not a Cairn environment", command, needs, "-h", "@EMPTY"));
                cases.add(of(failed, "@ENV/log is the log/ directory of the environment in @ENV", command, needs,
                        "-h", "@ENV/log"));
            }
            cases.add(of(usage, "Unknown option: '--bogus'", command, needs, "-h", "@ENV", "--bogus"));
            List<String> valueless = new ArrayList<>(List.of(command));
            valueless.addAll(needs);
            valueless.add("-h"); // last: before another option, that option would be taken for its value
            cases.add(new Case(valueless, usage, "Missing required parameter for option '-h' (HOME)"));
            cases.add(of(usage, "option '-h' (HOME) should be specified only once", command, needs, "-h", "@ENV", "-h",
                    "@ENV"));
            cases.add(of(usage, "'-h': an empty path", command, needs, "-h", ""));
            if (!command.equals("verify")) { // verify's arguments are databases
                List<String> stray = new ArrayList<>(List.of(command, "-h", "@ENV"));
                stray.addAll(needs);
                stray.add("stray");
                cases.add(new Case(stray, usage, "'stray'"));
            }
        });
        cases.add(usage("Missing required parameter: 'DIR'", "verifybackup"));
        cases.add(usage("Unknown option: '--bogus'", "verifybackup", "--bogus", "@ENV"));
        cases.add(usage("the backup directory is the argument, without -h", "verifybackup", "-h", "@ENV"));
        cases.add(failure("backup directory @NONE does not exist", "verifybackup", "@NONE"));
        cases.add(failure("@FILE is not a directory", "verifybackup", "@FILE"));
        cases.add(failure("@EMPTY holds no backup", "verifybackup", "@EMPTY"));

        cases.add(usage("give at least one of -1, -k KB and -p MIN", "checkpoint", "-h", "@ENV"));
        cases.add(usage("-k takes a positive number of kilobytes, not 0", "checkpoint", "-h", "@ENV", "-k", "0"));
        cases.add(usage("-k takes a positive number of kilobytes, not -5", "checkpoint", "-h", "@ENV", "-k", "-5"));
        cases.add(usage("Invalid value for option '-k': 'abc'", "checkpoint", "-h", "@ENV", "-k", "abc"));
        cases.add(usage("-p takes a positive number of minutes, not 0", "checkpoint", "-h", "@ENV", "-p", "0"));
        cases.add(usage("Missing required parameter for option '-p' (MIN)", "checkpoint", "-h", "@ENV", "-p"));
        cases.add(usage("give -1, or -k and/or -p, not both", "checkpoint", "-h", "@ENV", "-1", "-k", "5"));
        cases.add(usage("give -1, or -k and/or -p, not both", "checkpoint", "-h", "@ENV", "-1", "-p", "5"));

        cases.add(usage("cannot read the time 'garbage'", "recover", "-h", "@ENV", "-t", "garbage"));
        cases.add(usage("cannot read the time '1999-13-45'", "recover", "-h", "@ENV", "-t", "1999-13-45"));
        cases.add(usage("cannot read the time '2613311299.99'", "recover", "-h", "@ENV", "-t", "2613311299.99"));
        cases.add(usage("Missing required parameter for option '-t' (TIME)", "recover", "-h", "@ENV", "-t"));
        cases.add(usage("--to-lsn: not an LSN (segment/offset): garbage", "recover", "-h", "@ENV", "--to-lsn", "garbage"));
        cases.add(usage("--to-lsn: LSN out of range: segment -1", "recover", "-h", "@ENV", "--to-lsn", "-1/5"));
        cases.add(usage("Invalid value for option '--to-txn': 'abc'", "recover", "-h", "@ENV", "--to-txn", "abc"));
        cases.add(usage("--to-txn takes a transaction id (a positive number), not 0", "recover", "-h", "@ENV",
                "--to-txn", "0"));
        cases.add(usage("give at most one of -t, --to-lsn and --to-txn", "recover", "-h", "@ENV", "-t", "2026-11-22",
                "--to-txn", "5"));
        cases.add(usage("--inclusive, --exclusive are mutually exclusive", "recover", "-h", "@ENV", "--inclusive",
                "--exclusive", "-t", "2026-11-22"));
        cases.add(usage("--inclusive and --exclusive go with -t, --to-lsn or --to-txn", "recover", "-h", "@ENV",
                "--exclusive"));
        cases.add(usage("--logs is for catastrophic recovery: add -c", "recover", "-h", "@ENV", "--logs", "@EMPTY"));
        cases.add(failure("--logs @NONE does not exist", "recover", "-h", "@ENV", "-c", "--logs", "@NONE"));

        cases.add(usage("database name '../x' may only contain", "verify", "-h", "@ENV", "../x"));
        cases.add(usage("Missing required parameter for option '-d' (DB)", "stat", "-h", "@ENV", "-d"));
        cases.add(usage("database name '../x' may only contain", "stat", "-h", "@ENV", "-d", "../x"));
        cases.add(failure("database 'nosuchdb' does not exist in environment @ENV", "stat", "-h", "@ENV", "-d",
                "nosuchdb"));

        cases.add(usage("--from: not an LSN (segment/offset): garbage", "printlog", "-h", "@ENV", "--from", "garbage"));
        cases.add(usage("--to: not an LSN (segment/offset): 1/x", "printlog", "-h", "@ENV", "--to", "1/x"));
        cases.add(usage("--to 1/0 lies before --from 5/0", "printlog", "-h", "@ENV", "--from", "5/0", "--to", "1/0"));

        cases.add(usage("name the database to dump (or -l to list them)", "dump", "-h", "@ENV"));
        cases.add(usage("-l lists databases; do not name one", "dump", "-h", "@ENV", "-l", "db"));
        cases.add(usage("-p applies to a dump", "dump", "-h", "@ENV", "-l", "-p"));
        cases.add(usage("Missing required parameter for option '-f' (FILE)", "dump", "-h", "@ENV", "db", "-f"));
        cases.add(failure("database 'nosuchdb' does not exist", "dump", "-h", "@ENV", "nosuchdb"));
        cases.add(failure("its directory @NONE does not exist", "dump", "-h", "@ENV", "-f", "@NONE/x", "db"));
        cases.add(failure("it would overwrite or sit among the environment's own files", "dump", "-h", "@ENV", "-f",
                "@ENV/data/db.cdb", "db"));

        cases.add(usage("Missing required parameter: 'DB'", "load", "-h", "@ENV"));
        cases.add(usage("--batch must be at least 1", "load", "-h", "@ENV", "--batch", "0", "db"));
        cases.add(usage("Invalid value for option '--batch': 'x'", "load", "-h", "@ENV", "--batch", "x", "db"));
        cases.add(usage("database name 'bad/name' may only contain", "load", "-h", "@ENV", "bad/name"));
        cases.add(failure("no such file or directory: @NONE", "load", "-h", "@ENV", "-f", "@NONE", "db"));

        cases.add(usage("nothing to do", "bench", "-h", "@ENV"));
        cases.add(usage("--threads takes a positive number of clients, not 0", "bench", "-h", "@ENV", "--threads", "0",
                "--seconds", "1"));
        cases.add(usage("--progress takes a positive number of seconds, not -1", "bench", "-h", "@ENV", "--progress",
                "-1", "--seconds", "1"));
        cases.add(usage("--accounts must be from 2 to 100000000, not -5", "bench", "-h", "@ENV", "--init", "--accounts",
                "-5"));
        cases.add(usage("--seconds takes a positive number of seconds, not 0", "bench", "-h", "@ENV", "--seconds", "0"));
        cases.add(usage("--transactions takes a positive number of transfers, not -1", "bench", "-h", "@ENV",
                "--transactions", "-1"));
        cases.add(usage("give one of --seconds S and --transactions M, not both", "bench", "-h", "@ENV", "--seconds",
                "1", "--transactions", "5"));
        cases.add(usage("Invalid value for option '--durability'", "bench", "-h", "@ENV", "--durability", "FOO",
                "--seconds", "1"));
        cases.add(usage("Invalid value for option '--threads': 'abc'", "bench", "-h", "@ENV", "--threads", "abc",
                "--seconds", "1"));
        cases.add(usage("--accounts goes with --init", "bench", "-h", "@ENV", "--accounts", "5", "--check"));
        cases.add(usage("--threads goes with a run", "bench", "-h", "@ENV", "--threads", "4", "--check"));
        cases.add(usage("--durability goes with a run", "bench", "-h", "@ENV", "--durability", "NO_SYNC", "--check"));
        cases.add(usage("--ack-file goes with a run", "bench", "-h", "@ENV", "--ack-file", "@NONE", "--check"));
        cases.add(failure("acknowledgement file @NONE does not exist", "bench", "-h", "@ENV", "--check-acks", "@NONE"));
        cases.add(failure("its directory @NONE does not exist", "bench", "-h", "@ENV", "--ack-file", "@NONE/acks",
                "--transactions", "1"));

        cases.add(usage("it cannot be combined with -l or -s", "archive", "-h", "@ENV", "-d", "-l"));
        cases.add(usage("--take-over cannot be combined with other options", "archive", "-h", "@ENV", "--take-over",
                "-d"));
        cases.add(failure("archive directory @NONE does not exist", "archive", "-h", "@ENV", "--take-over", "@NONE"));

        cases.add(usage("Missing required option: '-b DIR'", "hotbackup", "-h", "@ENV"));
        cases.add(usage("Missing required parameter for option '-b' (DIR)", "hotbackup", "-h", "@ENV", "-b"));
        cases.add(usage("--max-rate takes a number of MB/s, or 0 for no limit, not -1.0", "hotbackup", "-h", "@ENV",
                "-b", "@NEW", "--max-rate", "-1"));
        cases.add(usage("--max-rate takes a number of MB/s, or 0 for no limit, not NaN", "hotbackup", "-h", "@ENV",
                "-b", "@NEW", "--max-rate", "NaN"));
        cases.add(usage("Invalid value for option '--max-rate': 'abc'", "hotbackup", "-h", "@ENV", "-b", "@NEW",
                "--max-rate", "abc"));
        cases.add(usage("'-b': an empty path", "hotbackup", "-h", "@ENV", "-b", ""));
        // refused before the environment is opened, whose recovery and lock would change the home
        cases.add(failure("backup target @ENV lies inside the environment's own files", "hotbackup", "-h", "@ENV", "-b",
                "@ENV"));
        cases.add(failure("backup target @ENV/data/x lies inside the environment's own files", "hotbackup", "-h",
                "@ENV", "-b", "@ENV/data/x"));
        cases.add(failure("backup target @ENV/archive/b lies inside the log archive directory", "hotbackup", "-h",
                "@ENV", "-b", "@ENV/archive/b"));
        cases.add(failure("backup target @FILE is not a directory", "hotbackup", "-h", "@ENV", "-b", "@FILE"));
        cases.add(failure("backup target @PHOTOS is not empty and holds no backup.manifest", "hotbackup", "-h", "@ENV",
                "-b", "@PHOTOS"));
        cases.add(failure("cannot update @NONE: it does not exist", "hotbackup", "-h", "@ENV", "-u", "-b", "@NONE"));
        cases.add(failure("cannot update @EMPTY: it holds no backup.manifest (not a complete backup); take a full backup"
                + " there (without -u)", "hotbackup", "-h", "@ENV", "-u", "-b", "@EMPTY"));
        // An interrupted backup, or other files: a full backup there is refused too, so the advice says where to go.
        cases.add(failure("cannot update @PHOTOS: it holds no backup.manifest (not a complete backup); take a full backup"
                + " into an empty or new directory (move this one away or empty it first)", "hotbackup", "-h", "@ENV",
                "-u", "-b", "@PHOTOS"));
        cases.add(failure("cannot update @FILE: it is not a directory", "hotbackup", "-h", "@ENV", "-u", "-b", "@FILE"));
        cases.add(failure("backup target @ENV/log lies inside the environment's own files", "failover", "-h", "@ENV",
                "-b", "@ENV/log"));
        cases.add(failure("backup target @FILE is not a directory", "failover", "-h", "@ENV", "-b", "@FILE"));
        cases.add(failure("failover directory @PHOTOS is not empty but holds no backup.manifest", "failover", "-h",
                "@ENV", "-b", "@PHOTOS"));
        cases.add(usage("Missing required option: '-b DIR'", "failover", "-h", "@ENV"));
        cases.add(usage("'-b': an empty path", "failover", "-h", "@ENV", "-b", ""));
        return cases.stream();
    }

    private static Case of(int exit, String says, String command, List<String> needs, String... args) {
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(List.of(args));
        all.addAll(needs);
        return new Case(all, exit, says);
    }

    private static Case usage(String says, String... args) {
        return new Case(List.of(args), ExitCodes.USAGE, says);
    }

    private static Case failure(String says, String... args) {
        return new Case(List.of(args), ExitCodes.FAILED, says);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void isRefusedOnOneLineAndChangesNothing(Case c) {
        Map<String, String> before = snapshot();
        String[] args = c.args().stream().map(CliBadInputTest::place).toArray(String[]::new);
        CliRun.Result r = CliRun.runWithInput(DUMP, args);
        String command = args[0];
        assertEquals(c.exit(), r.exit(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        assertTrue(r.err().startsWith("cairn " + command + ": "), r::toString);
        assertTrue(r.err().contains(place(c.says())), () -> "expected '" + place(c.says()) + "' in " + r);
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), r::toString);
        if (c.exit() == ExitCodes.USAGE) {
            assertEquals("", r.out(), r::toString); // refused before it did anything
        }
        assertEquals(before, snapshot(), "the command changed files: " + r);
    }

    /** The test's paths for the placeholders (@ENV, ...): @NEW is a directory no command may create. */
    private static String place(String s) {
        return s.replace("@NONE", root.resolve("none").toString()).replace("@FILE", root.resolve("file").toString())
                .replace("@PHOTOS", root.resolve("photos").toString()).replace("@EMPTY", root.resolve("empty").toString())
                .replace("@ENV", root.resolve("env").toString()).replace("@NEW", root.resolve("new").toString());
    }

    /** Every file and directory under the root: size, modification time and checksum. */
    private static Map<String, String> snapshot() {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.toList()) {
                String name = root.relativize(p).toString();
                if (Files.isDirectory(p)) {
                    files.put(name + "/", "");
                } else {
                    CRC32 crc = new CRC32();
                    crc.update(Files.readAllBytes(p));
                    files.put(name, Files.size(p) + " bytes, modified " + Files.getLastModifiedTime(p) + ", crc "
                            + crc.getValue());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return files;
    }
}
