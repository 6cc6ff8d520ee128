package org.cairndb.rar;

import static org.cairndb.rar.TestAdapters.adapter;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.resource.spi.ResourceAdapterInternalException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each configuration property's bad values: refused before anything opens, naming the property and the value. */
class EnvironmentSettingsTest {

    @TempDir
    Path dir;

    /** The message with which the settings of an adapter configured by {@code configure} are refused. */
    private String refusal(Consumer<CairnResourceAdapter> configure) {
        CairnResourceAdapter a = adapter(dir, "unit", "homes");
        configure.accept(a);
        String m = assertThrows(IllegalArgumentException.class, () -> EnvironmentSettings.of(a)).getMessage();
        assertTrue(m.startsWith("cairn.rar is misconfigured: "), m);
        return m;
    }

    private void assertRefused(String expected, Consumer<CairnResourceAdapter> configure) {
        String m = refusal(configure);
        assertTrue(m.contains(expected), "expected '" + expected + "' in: " + m);
    }

    /**
     * A LockTimeout or FailoverInterval too long for a Duration was a bare ArithmeticException
     * ("long overflow") out of the adapter's start; a LockTimeout of a few hundred years passed the
     * checks and failed the open with "long overflow" (the engine counts it in nanoseconds).
     */
    @Test
    void durationsTooLongAreRefusedNamingTheProperty() {
        assertRefused("LockTimeout=3000000000000000h: not a duration", a -> a.setLockTimeout("3000000000000000h"));
        assertRefused("LockTimeout=3000000h: must be at most a year", a -> a.setLockTimeout("3000000h"));
        assertRefused("FailoverInterval=3000000000000000h: not a duration", a -> {
            a.setFailoverDirectory("failover");
            a.setFailoverInterval("3000000000000000h");
        });
        assertRefused("FailoverInterval=9000h: must be at most a year", a -> {
            a.setFailoverDirectory("failover");
            a.setFailoverInterval("9000h");
        });
    }

    @Test
    void aYearIsLongEnough() {
        CairnResourceAdapter a = adapter(dir, "unit", "homes");
        a.setLockTimeout("8784h");
        a.setFailoverDirectory("failover");
        a.setFailoverInterval("527040min");
        EnvironmentSettings s = EnvironmentSettings.of(a).get(0);
        assertEquals(Duration.ofHours(8784), s.config().lockTimeout());
        assertEquals(Duration.ofDays(366), s.failoverInterval());
    }

    /**
     * The home's cairn.properties takes yes/no and on/off for a switch (cairn.log.autoremove=yes);
     * the adapter refused LogAutoRemove=yes ("not true or false"), so the same word worked in one
     * place and failed the deployment in the other. Both now take the same words, in any case.
     */
    @Test
    void switchesTakeTheWordsCairnPropertiesTakes() {
        for (String on : new String[] {"true", "yes", "on", "YES", " On "}) {
            CairnResourceAdapter a = adapter(dir, "unit", "homes");
            a.setLogAutoRemove(on);
            assertTrue(EnvironmentSettings.of(a).get(0).config().logAutoRemove(), on);
        }
        for (String off : new String[] {"false", "no", "off", "NO", "", " "}) {
            CairnResourceAdapter a = adapter(dir, "unit", "homes");
            a.setLogAutoRemove(off);
            assertFalse(EnvironmentSettings.of(a).get(0).config().logAutoRemove(), off);
        }
    }

    @Test
    void badNumbersSizesAndNamesAreNamed() {
        assertRefused("CacheSize=0: cache size 0 is below the minimum", a -> a.setCacheSize("0"));
        assertRefused("CacheSize=99999999999g: not a size", a -> a.setCacheSize("99999999999g"));
        assertRefused("LockTimeout=-1s: lock timeout must be zero or more", a -> a.setLockTimeout("-1s"));
        assertRefused("IsolationLevel=CHAOS: not one of", a -> a.setIsolationLevel("CHAOS"));
        assertRefused("CheckpointKBytes=-1: must not be negative", a -> a.setCheckpointKBytes("-1"));
        assertRefused("ConnectionWaitSeconds=" + Long.MAX_VALUE + ": must be at most",
                a -> a.setConnectionWaitSeconds(Long.toString(Long.MAX_VALUE)));
        assertRefused("StartWaitSeconds=-5: must not be negative", a -> a.setStartWaitSeconds("-5"));
        assertRefused("ConnectionWaitSeconds=1min: not a whole number", a -> a.setConnectionWaitSeconds("1min"));
        assertRefused("LogAutoRemove=maybe: not true or false (yes/no and on/off are accepted too)",
                a -> a.setLogAutoRemove("maybe"));
        assertRefused("FailoverInterval=often: not a duration", a -> {
            a.setFailoverDirectory("failover");
            a.setFailoverInterval("often");
        });
        assertRefused("FailoverInterval=-1s: must not be negative", a -> {
            a.setFailoverDirectory("failover");
            a.setFailoverInterval("-1s");
        });
        assertRefused("BackupMaxRate=-5: must not be negative", a -> a.setBackupMaxRate("-5"));
        assertRefused("BackupMaxRate=2.5: not a whole number", a -> a.setBackupMaxRate("2.5"));
        assertRefused("BackupMaxRate=2000000: must be at most 1000000", a -> a.setBackupMaxRate("2000000"));
        assertRefused("EnvironmentName must not be empty", a -> a.setEnvironmentName(" "));
        assertRefused("environment name 'a/b' may hold only", a -> a.setEnvironmentName("a/b"));
        assertRefused("environment 'beta' is named twice", a -> a.setAdditionalEnvironments("beta, beta"));
    }

    @Test
    void pathsThatCannotWorkAreNamed() {
        assertRefused("EnvironmentHome=" + dir.resolve("shared") + " must contain {env}", a -> {
            a.setAdditionalEnvironments("beta");
            a.setEnvironmentHome(dir.resolve("shared").toString());
        });
        assertRefused("FailoverDirectory=failover must contain {env}", a -> {
            a.setAdditionalEnvironments("beta");
            a.setFailoverDirectory("failover");
        });
        assertRefused("must not contain one another", a -> a.setBackupRoot(dir.resolve("homes").toString()));
        assertRefused("must lie inside BackupRoot", a -> a.setFailoverDirectory("../elsewhere"));
        assertRefused("ArchiveDirectory=${cairn.test.nowhere}: system property cairn.test.nowhere is not set",
                a -> a.setArchiveDirectory("${cairn.test.nowhere}"));
        assertRefused("EnvironmentHome=${cairn.test.nowhere}/{env}: system property cairn.test.nowhere is not set",
                a -> a.setEnvironmentHome("${cairn.test.nowhere}/{env}"));
        assertRefused("EnvironmentName=${cairn.test.nowhere}: system property cairn.test.nowhere is not set",
                a -> a.setEnvironmentName("${cairn.test.nowhere}"));
    }

    /**
     * An archive among the environment's own files was refused only when the engine opened the
     * environment, naming the engine's key cairn.archive.dir instead of ArchiveDirectory and
     * suggesting "by default archive/ in the home", a default the adapter does not have.
     */
    @Test
    void anArchiveAmongTheEnvironmentsOwnFilesIsRefusedNamingArchiveDirectory() {
        Path home = dir.resolve("homes/unit");
        assertRefused("ArchiveDirectory=log: " + home.resolve("log") + " lies in the log directory (log/) of environment 'unit'",
                a -> a.setArchiveDirectory("log"));
        assertRefused("ArchiveDirectory=data/archive: " + home.resolve("data/archive") + " lies in the data directory",
                a -> a.setArchiveDirectory("data/archive"));
        assertRefused("ArchiveDirectory=" + home + ": " + home + " is the home of environment 'unit'",
                a -> a.setArchiveDirectory(home.toString()));
        assertRefused("ArchiveDirectory=.: ", a -> a.setArchiveDirectory("."));
        CairnResourceAdapter beside = adapter(dir, "unit", "homes");
        beside.setArchiveDirectory("../unit-archive");
        assertEquals(dir.resolve("homes/unit-archive"), EnvironmentSettings.of(beside).get(0).config().archiveDir());
    }

    /**
     * A backup root that is a file (or below one) deployed, and every hot backup and failover update
     * then failed with a bare "Not a directory". One that does not exist yet is created by the first
     * backup, as the default is.
     */
    @Test
    void aBackupRootThatCannotBeADirectoryIsRefused() throws Exception {
        Path file = java.nio.file.Files.writeString(dir.resolve("a-file"), "not a directory");
        assertRefused("BackupRoot=" + file + ": " + file + " is not a directory",
                a -> a.setBackupRoot(file.toString()));
        assertRefused("BackupRoot=" + file.resolve("backups") + ": " + file + " is not a directory",
                a -> a.setBackupRoot(file.resolve("backups").toString()));
        CairnResourceAdapter missing = adapter(dir, "unit", "homes");
        missing.setBackupRoot(dir.resolve("not/yet/there").toString());
        assertEquals(dir.resolve("not/yet/there"), EnvironmentSettings.of(missing).get(0).backupRoot());
    }

    /** Blank values take the defaults; the default home and backup root lie under the server's data directory. */
    @Test
    void blankValuesTakeTheDefaults() {
        String payara = System.getProperty("com.sun.aas.instanceRoot");
        String wildfly = System.getProperty("jboss.server.data.dir");
        System.clearProperty("jboss.server.data.dir");
        System.setProperty("com.sun.aas.instanceRoot", dir.resolve("payara").toString());
        try {
            CairnResourceAdapter a = new CairnResourceAdapter();
            a.setEnvironmentName("unit");
            a.setDurability(" ");
            a.setIsolationLevel("");
            a.setLockTimeout("");
            a.setFailoverInterval("");
            a.setRecovery("");
            a.setCheckpointKBytes(null);
            a.setConnectionWaitSeconds(" ");
            a.setLogAutoRemove("");
            a.setBackupMaxRate("");
            EnvironmentSettings s = EnvironmentSettings.of(a).get(0);
            org.cairndb.EnvironmentConfig defaults = new org.cairndb.EnvironmentConfig();
            assertEquals(defaults.durability(), s.config().durability());
            assertEquals(defaults.isolation(), s.config().isolation());
            assertEquals(EnvironmentSettings.RecoveryMode.NORMAL, s.recovery());
            assertEquals(65536, s.config().checkpointKBytes());
            assertEquals(Duration.ofSeconds(60), s.connectionWait());
            assertEquals(false, s.config().logAutoRemove());
            assertEquals(0, s.backupMaxRate());
            assertEquals(0.0, s.backupOptions().maxRateMBps(), "no limit");
            assertEquals(dir.resolve("payara/data/cairn/unit"), s.home());
            assertEquals(dir.resolve("payara/data/cairn-backups"), s.backupRoot());
            System.setProperty("jboss.server.data.dir", dir.resolve("wildfly").toString());
            assertEquals(dir.resolve("wildfly/cairn/unit"), EnvironmentSettings.of(a).get(0).home(), "WildFly's first");
        } finally {
            restore("com.sun.aas.instanceRoot", payara);
            restore("jboss.server.data.dir", wildfly);
        }
    }

    /**
     * The numbers and the flag read system properties as the string properties do (the shipped
     * ra.xml gives ${cairn.start.wait.seconds:10} and the like): an admin waits longer for a long
     * recovery with a -D option instead of repacking the archive. They were typed Long and Boolean,
     * which the container converts before the adapter sees them, so ${...} could not be used.
     */
    @Test
    void numbersAndTheFlagTakeSystemProperties() {
        System.setProperty("cairn.test.start.wait", "600");
        System.setProperty("cairn.test.autoremove", "TRUE");
        try {
            CairnResourceAdapter a = adapter(dir, "unit", "homes");
            a.setStartWaitSeconds("${cairn.test.start.wait:10}");
            a.setConnectionWaitSeconds("${cairn.test.connection.wait:90}");
            a.setCheckpointMinutes("${cairn.test.minutes:7}");
            a.setLogAutoRemove("${cairn.test.autoremove:false}");
            a.setBackupMaxRate("${cairn.test.backup.max.rate:250}");
            EnvironmentSettings s = EnvironmentSettings.of(a).get(0);
            assertEquals(250.0, s.backupOptions().maxRateMBps());
            assertEquals(Duration.ofSeconds(600), s.startWait());
            assertEquals(Duration.ofSeconds(90), s.connectionWait(), "the default after the colon");
            assertEquals(Duration.ofMinutes(7), s.config().checkpointInterval());
            assertEquals(true, s.config().logAutoRemove());
            System.setProperty("cairn.test.start.wait", "soon");
            assertRefused("StartWaitSeconds=soon: not a whole number", b -> b.setStartWaitSeconds("${cairn.test.start.wait}"));
        } finally {
            System.clearProperty("cairn.test.start.wait");
            System.clearProperty("cairn.test.autoremove");
        }
    }

    private static void restore(String property, String value) {
        if (value == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, value);
        }
    }

    /** The deployment fails with the same message (ResourceAdapter.start), and nothing is opened. */
    @Test
    void theStartFailsWithTheMessage() {
        CairnResourceAdapter a = adapter(dir, "unit", "homes");
        a.setLockTimeout("3000000h");
        ResourceAdapterInternalException e = assertThrows(ResourceAdapterInternalException.class, () -> a.start(null));
        assertTrue(e.getMessage().contains("LockTimeout=3000000h"), e.getMessage());
        assertTrue(!dir.resolve("homes/unit").toFile().exists());
    }
}
