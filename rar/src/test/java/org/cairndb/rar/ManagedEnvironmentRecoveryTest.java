package org.cairndb.rar;

import static org.cairndb.rar.TestAdapters.adapter;
import static org.cairndb.rar.TestAdapters.admin;
import static org.cairndb.rar.TestAdapters.factory;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.resource.spi.ResourceAdapterInternalException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.Transaction;
import org.junit.jupiter.api.Test;

/** The recovery the adapter runs at start: its modes, and what it restores. */
class ManagedEnvironmentRecoveryTest extends AdapterFixture {




    private Path home() {
        return dir.resolve("homes/unit");
    }

    private Environment openDirectly() {
        return Environment.open(home(), new EnvironmentConfig().cacheSize(8 << 20));
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * After a crash, a log segment recovery needs is gone from the home but kept in the archive:
     * normal recovery fails the start naming it; with Recovery=normal-then-catastrophic the adapter
     * falls back to catastrophic recovery, which gathers the archived segment.
     */
    @Test
    void normalThenCatastrophicFallsBackWhenNormalRecoveryFails() throws Exception {
        Files.createDirectories(home());
        Files.writeString(home().resolve("cairn.properties"), "cairn.log.segment.size=64k\n");
        Environment env = Environment.open(home(), new EnvironmentConfig().cacheSize(8 << 20).archiveEnabled(true)
                .archiveDir(home().resolve("archive")));
        Database t = env.openDatabase("t");
        for (int i = 0; env.internals().log().currentSegment() < 4; i++) {
            t.put(null, b("k" + i), new byte[2000]);
        }
        env.internals().archiver().archiveFinished();
        env.internals().abandon(); // a crash: recovery replays the log from the checkpoint of the open
        Files.delete(home().resolve("log/log.0000000002"));

        CairnResourceAdapter normal = adapter(dir, "unit", "homes");
        normal.setArchiveDirectory("archive");
        ra = normal; // stopped by tearDown should it open after all
        String m = assertThrows(ResourceAdapterInternalException.class, () -> normal.start(ctx)).getMessage();
        assertTrue(m.contains("could not be opened") && m.contains("log.0000000002"), m);

        ra = adapter(dir, "unit", "homes");
        ra.setArchiveDirectory("archive");
        ra.setRecovery("normal-then-catastrophic");
        ra.start(ctx);
        CairnConnectionFactory cf = (CairnConnectionFactory) factory(ra, "unit").createConnectionFactory();
        try (CairnConnection c = cf.getConnection()) {
            assertEquals(2000, c.get("t", b("k0")).length);
            assertTrue(c.count("t") > 60, "every commit was recovered: " + c.count("t"));
        }
    }

    /** A transaction prepared before the stop is restored in doubt, with its locks, and listed for the admin. */
    @Test
    void preparedTransactionsAreRestoredInDoubt() throws Exception {
        try (Environment env = openDirectly()) {
            Transaction t = env.beginTransaction();
            env.openDatabase("t").put(t, b("k"), b("prepared"));
            t.prepare(new byte[] {7, 7});
        }
        ra = adapter(dir, "unit", "homes");
        ra.start(ctx);
        assertEquals(1, admin("unit").getPreparedTransactions());
        assertEquals("0707", admin("unit").getInDoubtBranches().get(0).getGlobalId());
        admin("unit").heuristicRollback("0x0707");
        assertEquals(0, admin("unit").getPreparedTransactions());
    }

    /**
     * The recovery report reaches the server log once, in the adapter's line that names the
     * environment and the recovery mode, not a second time in the engine's own line.
     */
    @Test
    void theRecoveryReportIsLoggedOnce() throws Exception {
        try (Environment env = openDirectly()) {
            env.openDatabase("t").put(null, b("k"), b("v"));
        }
        List<LogRecord> infos = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= Level.INFO.intValue()) {
                    infos.add(r);
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger cairn = Logger.getLogger("org.cairndb");
        cairn.addHandler(capture);
        try {
            ra = adapter(dir, "unit", "homes");
            ra.start(ctx);
        } finally {
            cairn.removeHandler(capture);
        }
        List<String> reports = infos.stream().map(LogRecord::getMessage)
                .filter(m -> m.contains("recovery replayed the log")).toList();
        assertEquals(1, reports.size(), "the report once: " + reports);
        assertTrue(reports.get(0).startsWith("Cairn environment 'unit' opened in ") && reports.get(0).contains(
                "with normal recovery"), reports.get(0));
    }
}
