package org.cairndb.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.TestSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A backup carries the environment's cairn.properties, so a restore behaves like the original. */
class BackupConfigurationTest {

    @TempDir
    Path dir;

    @Test
    void theSettingsFileTravelsWithTheBackupAndIsInTheManifest() throws Exception {
        Path home = dir.resolve("env");
        Files.createDirectories(home);
        Files.writeString(home.resolve("cairn.properties"), "cairn.durability=WRITE_NO_SYNC\n");
        Path backup = dir.resolve("backup");
        try (Environment env = Environment.open(home, TestSupport.config())) {
            env.openDatabase("t").put(null, TestSupport.b("k"), TestSupport.b("v"));
            BackupResult r = HotBackup.run(env.internals(), backup, BackupOptions.defaults());
            assertTrue(r.manifest().files().stream().anyMatch(f -> f.path().equals("cairn.properties")),
                    r.manifest().files().toString());
        }
        try (Environment restored = Environment.open(backup, TestSupport.config())) {
            assertEquals(Durability.WRITE_NO_SYNC, restored.config().durability());
        }
    }
}
