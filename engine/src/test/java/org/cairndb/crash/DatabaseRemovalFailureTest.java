package org.cairndb.crash;

import static org.cairndb.TestSupport.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import org.cairndb.CairnException;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.io.FaultInjectingFileIO;
import org.cairndb.io.FaultInjectingFileIO.Operation;
import org.cairndb.io.FileIO;
import org.cairndb.io.NioFileIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A database removal whose file cannot be deleted. The removal is in the log once the file is
 * deleted, and the log says the database is gone: an environment that went on without the
 * database in memory, its file still in data/, let later checkpoints move the recovery start past
 * the removal, so that a reopen either found the database back or, once the log before that start
 * was removed, could not open at all.
 */
class DatabaseRemovalFailureTest {

    @TempDir
    Path tmp;

    private static EnvironmentConfig config(FileIO io) {
        return new EnvironmentConfig().fileIO(io).durability(Durability.SYNC).logSegmentSize(64 << 10)
                .checkpointerEnabled(false).logAutoRemove(true);
    }

    @Test
    void aRemovalWhoseFileCannotBeDeletedIsRedoneByTheReopen() throws Exception {
        Path home = tmp.resolve("env");
        FaultInjectingFileIO fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("scratch"), 1);
        Environment env = Environment.open(home, config(fio));
        Database keep = env.openDatabase("keep", true);
        Database gone = env.openDatabase("gone", true);
        for (int i = 0; i < 50; i++) {
            keep.put(null, b("k" + i), b("v" + i));
            gone.put(null, b("g" + i), b("v" + i));
        }
        env.checkpoint(true);
        fio.failOperation(1, EnumSet.of(Operation.DELETE), false);
        CairnException e = assertThrows(CairnException.class, () -> env.removeDatabase("gone"));
        assertTrue(e.getMessage().contains("gone"), e.getMessage());
        // Whatever the environment does next (goes on, or refuses work), a reopen must not bring the
        // database back nor lose what it acknowledged.
        int acknowledged = 0;
        try {
            for (int i = 0; i < 2000; i++) {
                keep.put(null, b("more" + i), new byte[200]);
                acknowledged = i + 1;
            }
            env.checkpoint(true);
        } catch (CairnException refused) {
            assertTrue(refused.getMessage().contains("fail"), refused.getMessage());
        }
        try {
            env.close();
        } catch (CairnException refused) {
            // a failed environment's close says so
        }
        try (Environment again = Environment.open(home, config(NioFileIO.INSTANCE))) {
            assertFalse(again.databaseNames().contains("gone"), "the removed database came back: " + again.databaseNames()
                    + "; " + again.recoveryReport());
            Database k = again.openDatabase("keep", false);
            for (int i = 0; i < acknowledged; i++) {
                assertArrayEquals(new byte[200], k.get(null, b("more" + i)), "more" + i);
            }
        }
        assertFalse(Files.exists(home.resolve("data/gone.cdb")), "the file of the removed database is gone");
    }
}
