package org.cairndb.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatCommandTest {

    @TempDir
    Path home;

    /** For directories beside the environment (an archive, a copy), removed with the test. */
    @TempDir
    Path beside;

    @Test
    void environmentAndEveryDatabase() {
        TestEnvironments.create(home, "alpha", 123);
        TestEnvironments.create(home, "beta", 4);
        CliRun.Result r = CliRun.run("stat", "-h", home.toString());
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("2\tDatabases"), r::toString);
        assertTrue(r.out().contains("Database alpha (" + home.resolve("data/alpha.cdb")), r::toString);
        assertTrue(r.out().contains("123\tRecords"), r::toString);
        assertTrue(r.out().contains("4\tRecords"), r::toString);
        assertTrue(r.out().contains("\tFile size (bytes)"), r::toString);
        assertFalse(r.out().contains("0/0\tRecovery would start at"), "recovery start taken from the data files: " + r);
    }

    /**
     * The command line's -Dcairn.* options (CAIRN_JAVA_OPTS) win over cairn.properties: a look at
     * a home whose settings cannot be edited (read-only media) can still be given a larger cache.
     * A bad value is a usage error naming where it came from.
     */
    @Test
    void dashDOptionsWinOverTheHomesProperties() throws Exception {
        org.cairndb.Environment env = org.cairndb.Environment.open(home, org.cairndb.TestSupport.config()
                .cacheSize(256L << 20));
        org.cairndb.Database alpha = env.openDatabase("alpha");
        for (int i = 0; i < 3000; i++) {
            alpha.put(null, String.format("k%05d", i).getBytes(java.nio.charset.StandardCharsets.US_ASCII), new byte[2000]);
        }
        env.internals().abandon(); // 6 MB to replay
        java.nio.file.Files.writeString(home.resolve("cairn.properties"), "cairn.cache.size=1m\n");
        CliRun.Result small = CliRun.run("stat", "-h", home.toString());
        assertEquals(ExitCodes.FAILED, small.exit(), small::toString);
        assertTrue(small.err().contains("cairn.cache.size"), small::toString);
        try {
            System.setProperty("cairn.cache.size", "256m");
            CliRun.Result large = CliRun.run("stat", "-h", home.toString(), "-d", "alpha");
            assertEquals(0, large.exit(), large::toString);
            assertTrue(large.out().contains("3000\tRecords"), large::toString);
            System.setProperty("cairn.cache.size", "lots");
            CliRun.Result bad = CliRun.run("stat", "-h", home.toString());
            assertEquals(ExitCodes.USAGE, bad.exit(), bad::toString);
            assertTrue(bad.err().contains("-D option (CAIRN_JAVA_OPTS): cairn.cache.size=lots"), bad::toString);
        } finally {
            System.clearProperty("cairn.cache.size");
        }
    }

    /**
     * A mistyped key ({@code -Dcairn.cache.sise=256m}) was ignored without a word, where the same
     * line in cairn.properties is refused: the look then failed for want of the cache the admin
     * believed given. A key of a configuration family (cairn.cache.*, cairn.log.*, ...) that is no
     * key is refused, naming it; other cairn.* properties (the launcher's, the tests') are not settings.
     */
    @Test
    void aMistypedDashDKeyIsRefused() {
        TestEnvironments.create(home, "alpha", 3);
        try {
            System.setProperty("cairn.cache.sise", "256m");
            CliRun.Result r = CliRun.run("stat", "-h", home.toString());
            assertEquals(ExitCodes.USAGE, r.exit(), r::toString);
            assertEquals(1, r.errLines().length, r::toString);
            assertTrue(r.err().contains("-D option (CAIRN_JAVA_OPTS): cairn.cache.sise is no configuration key"),
                    r::toString);
        } finally {
            System.clearProperty("cairn.cache.sise");
        }
        try {
            System.setProperty("cairn.unrelated.setting", "1");
            CliRun.Result r = CliRun.run("stat", "-h", home.toString());
            assertEquals(0, r.exit(), r::toString);
        } finally {
            System.clearProperty("cairn.unrelated.setting");
        }
    }

    /**
     * Continuous archiving's status (issue: "archive status ... is in cairn stat"): stat printed
     * none of it. Off, on with every finished segment archived, and on a copy beside its original,
     * whose archiving the archive refuses.
     */
    @Test
    void continuousArchivingIsShown() throws Exception {
        TestEnvironments.create(home, "alpha", 3);
        assertTrue(CliRun.run("stat", "-h", home.toString()).out().contains("off\tContinuous archiving (cairn.archive.enabled)"));

        Path archive = beside.resolve("archive");
        java.nio.file.Files.writeString(home.resolve("cairn.properties"), "cairn.log.segment.size=64k\n"
                + "cairn.archive.enabled=true\ncairn.archive.dir=" + archive.toString().replace('\\', '/') + "\n");
        try (org.cairndb.Environment env = org.cairndb.Environment.open(home, ArchiveCommandTest.config())) {
            ArchiveCommandTest.fillTo(env, 4);
        } // closing archives every finished segment
        CliRun.Result r = CliRun.run("stat", "-h", home.toString());
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("on, to " + archive.toAbsolutePath() + "\tContinuous archiving"), r::toString);
        assertTrue(r.out().contains(org.cairndb.log.SegmentFiles.name(3) + "\tLast segment archived, with every one before it"),
                r::toString);
        assertTrue(r.out().contains("0\tFinished segments not archived yet"), r::toString);
        assertTrue(r.out().contains("0\tArchiving failures since open"), r::toString);
        assertFalse(r.out().contains("Archiving refused"), r::toString);

        Path copy = beside.resolve("copy");
        org.cairndb.TestSupport.copyTree(home, copy);
        CliRun.Result c = CliRun.run("stat", "-h", copy.toString());
        assertTrue(c.out().contains("is written by " + home.toRealPath() + ", which still holds this environment")
                && c.out().contains("--take-over\tArchiving refused when opened for writing"), c::toString);
    }

    @Test
    void oneDatabase() {
        TestEnvironments.create(home, "alpha", 123);
        TestEnvironments.create(home, "beta", 4);
        CliRun.Result r = CliRun.run("stat", "-h", home.toString(), "-d", "beta");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().startsWith("Database beta"), r::toString);
        assertTrue(r.out().contains("4\tRecords") && !r.out().contains("alpha"), r::toString);
    }

    @Test
    void unknownDatabaseIsNamedWithTheExistingOnes() {
        TestEnvironments.create(home, "alpha", 1);
        CliRun.Result r = CliRun.run("stat", "-h", home.toString(), "-d", "gamma");
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        assertTrue(r.err().contains("'gamma' does not exist") && r.err().contains("[alpha]"), r::toString);
    }

    /**
     * A .properties file has no comments after a value: the walkthrough once showed
     * "cairn.log.autoremove=true      # optional: ...", whose value is all of that. The refusal
     * names the file, key and value as before, and now also says what is wrong with it.
     */
    @Test
    void aCommentAfterAValueIsExplained() throws Exception {
        TestEnvironments.create(home, "alpha", 3);
        java.nio.file.Files.writeString(home.resolve("cairn.properties"),
                "cairn.log.autoremove=true      # optional: remove segments once archived\n");
        CliRun.Result r = CliRun.run("stat", "-h", home.toString());
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        assertTrue(r.err().contains(home.resolve("cairn.properties") + ": cairn.log.autoremove=true      # optional: remove"
                + " segments once archived: not true or false"), r::toString);
        assertTrue(r.err().contains("a comment in a .properties file must be on a line of its own"), r::toString);
    }
}
