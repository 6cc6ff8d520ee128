package org.cairndb.cli;

import static org.cairndb.cli.TestEnvironments.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecoverCommandTest {

    @TempDir
    Path home;

    @Test
    void verboseRecoveryAfterACrashReportsTheReplayedTransactions() {
        Environment env = Environment.open(home, new EnvironmentConfig().checkpointerEnabled(false));
        Database db = env.openDatabase("db");
        env.checkpoint(true);
        for (int i = 0; i < 5; i++) {
            db.put(null, b("k" + i), b("v" + i));
        }
        env.internals().abandon(); // a crash: no checkpoint, the log holds the five commits
        CliRun.Result r = CliRun.run("recover", "-h", home.toString(), "-v");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("recovery replayed the log from"), r::toString);
        assertTrue(r.out().contains("5 transactions redone"), r::toString);
        assertEquals("", r.err());
        try (Environment again = Environment.open(home, new EnvironmentConfig().allowCreate(false))) {
            assertEquals(5, again.openDatabase("db", false).count());
            assertTrue(again.recoveryReport().toString().contains("0 transactions redone"),
                    "recover did not checkpoint: " + again.recoveryReport());
        }
    }

    @Test
    void withoutVerboseItPrintsNothing() {
        TestEnvironments.create(home, "db", 2);
        CliRun.Result r = CliRun.run("recover", "-h", home.toString());
        assertEquals(0, r.exit(), r::toString);
        assertEquals("", r.out());
    }
}
