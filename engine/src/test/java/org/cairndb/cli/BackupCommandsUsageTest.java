package org.cairndb.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What every subcommand does alike (see {@link CairnCliTest}), for the archival commands. */
class BackupCommandsUsageTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"archive", "hotbackup", "failover", "verifybackup", "recover"})
    void helpPrintsUsageAndSucceeds(String command) {
        CliRun.Result r = CliRun.run(command, "--help");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().startsWith("Usage: cairn " + command), r::toString);
        assertTrue(r.out().contains(command.equals("verifybackup") ? "DIR" : "-h HOME"), r::toString);
    }

    @ParameterizedTest
    @ValueSource(strings = {"archive", "hotbackup", "failover", "verifybackup", "recover"})
    void anUnknownOptionIsAUsageErrorOnOneLine(String command) {
        CliRun.Result r = CliRun.run(command, "-h", dir.toString(), "-b", dir.toString(), "--frobnicate");
        assertEquals(ExitCodes.USAGE, r.exit(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        assertTrue(r.err().startsWith("cairn " + command + ": "), r::toString);
    }

    @ParameterizedTest
    @ValueSource(strings = {"hotbackup", "failover"})
    void aMissingTargetIsAUsageError(String command) {
        CliRun.Result r = CliRun.run(command, "-h", dir.toString());
        assertEquals(ExitCodes.USAGE, r.exit(), r::toString);
        assertTrue(r.err().contains("-b"), r::toString);
    }

    @ParameterizedTest
    @ValueSource(strings = {"archive", "hotbackup", "failover"})
    void aHomeThatDoesNotExistIsNamed(String command) {
        Path none = dir.resolve("none");
        CliRun.Result r = command.equals("archive") ? CliRun.run(command, "-h", none.toString())
                : CliRun.run(command, "-h", none.toString(), "-b", dir.resolve("b").toString());
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertTrue(r.err().contains(none + " does not exist"), r::toString);
    }

    @org.junit.jupiter.api.Test
    void verifybackupOfSomethingMissingOrNotABackupIsNamed() {
        CliRun.Result none = CliRun.run("verifybackup", dir.resolve("none").toString());
        assertEquals(ExitCodes.FAILED, none.exit(), none::toString);
        assertTrue(none.err().contains("does not exist"), none::toString);
        CliRun.Result empty = CliRun.run("verifybackup", dir.toString());
        assertEquals(ExitCodes.FAILED, empty.exit(), empty::toString);
        assertTrue(empty.err().contains("backup.manifest: missing"), empty::toString);
    }

    /** A manifest whose file list was cut out by hand: one PROBLEM line naming it, not a NullPointerException. */
    @org.junit.jupiter.api.Test
    void verifybackupOfAManifestWithoutItsFileListNamesTheManifest() throws Exception {
        Path backup = dir.resolve("backup");
        try (org.cairndb.Environment env = org.cairndb.Environment.open(dir.resolve("env"), org.cairndb.TestSupport.config())) {
            env.openDatabase("t").put(null, org.cairndb.TestSupport.b("k"), org.cairndb.TestSupport.b("v"));
            org.cairndb.backup.HotBackup.run(env.internals(), backup,
                    org.cairndb.backup.BackupOptions.defaults().withRecover(false));
        }
        Path manifest = backup.resolve(org.cairndb.backup.BackupManifest.FILE_NAME);
        String text = java.nio.file.Files.readString(manifest);
        java.nio.file.Files.writeString(manifest, text.substring(0, text.indexOf("\"files\"")).replaceAll(",\\s*$", "")
                + "\n}\n");
        CliRun.Result r = CliRun.run("verifybackup", backup.toString());
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertTrue(r.out().contains("PROBLEM: " + manifest.toAbsolutePath() + ": lists no files"), r::toString);
        assertTrue(r.err().contains("lists no files"), r::toString);
    }

    /**
     * An admin who gives verifybackup the environment itself, or a directory holding no backup at
     * all, is told that, not to take "the backup" again as if one had been interrupted.
     */
    @org.junit.jupiter.api.Test
    void verifybackupOfAnEnvironmentOrOfAnUnrelatedDirectorySaysWhatItIs() throws Exception {
        Path home = dir.resolve("env");
        TestEnvironments.create(home, "db", 3);
        CliRun.Result env = CliRun.run("verifybackup", home.toString());
        assertEquals(ExitCodes.FAILED, env.exit(), env::toString);
        assertEquals(1, env.errLines().length, env::toString);
        assertTrue(env.err().contains("if " + home + " is an environment rather than a backup, check it with cairn verify -h "
                + home), env::toString);
        Path photos = java.nio.file.Files.createDirectories(dir.resolve("photos"));
        java.nio.file.Files.writeString(photos.resolve("cat.jpg"), "meow");
        CliRun.Result other = CliRun.run("verifybackup", photos.toString());
        assertEquals(ExitCodes.FAILED, other.exit(), other::toString);
        assertEquals(1, other.errLines().length, other::toString);
        assertTrue(other.err().contains("backup.manifest: missing: " + photos + " holds no backup (no backup.manifest,"
                + " data file or log segment)"), other::toString);
    }
}
