package org.cairndb.format;

import static org.cairndb.TestSupport.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.TestSupport;
import org.cairndb.Transaction;
import org.cairndb.TransactionConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data-file header fields docs/file-format.md describes for states the main conformance
 * workload does not end in: a file never checkpointed, and a checkpoint whose last commit is a
 * {@code NOT_DURABLE} one that the log does not hold.
 */
class DataFileHeaderConformanceTest {

    @TempDir
    Path dir;

    @Test
    void aFileNeverCheckpointedHoldsGenerationOneAndNoLastCommit() throws IOException {
        try (Environment env = TestSupport.open(dir)) {
            env.openDatabase("fresh", true);
            DocumentedDataFile f = DocumentedDataFile.read(dir.resolve("data/fresh.cdb"));
            DocumentedDataFileHeader h = f.current();
            assertNotNull(h, "a valid header copy");
            assertEquals(1, h.generation(), "1 when created");
            assertEquals(1, h.page(), "generation 1 in page 1");
            assertFalse(f.copy0().valid(), "nothing valid in page 0 yet");
            assertEquals(0, h.rootPage(), "empty database");
            assertEquals(0, h.recordCount());
            assertEquals(0, h.lastCommitTxn(), "last commit unknown in a file never checkpointed");
            assertEquals(0, h.lastCommitTime());
            assertEquals(0, h.lastCommitEndLsn());
            assertEquals(f.size(), h.filePages() * h.pageSize());
            assertTrue(h.restZero());
        }
    }

    @Test
    void aNotDurableLastCommitIsNamedWithTheEndOfTheLogWhenItCommitted() throws IOException {
        long notDurable;
        try (Environment env = TestSupport.open(dir)) {
            Database db = env.openDatabase("db", true);
            try (Transaction t = env.beginTransaction()) {
                db.put(t, b("logged"), b("1"));
                t.commit();
            }
            try (Transaction t = env.beginTransaction(new TransactionConfig().durability(Durability.NOT_DURABLE))) {
                db.put(t, b("not-logged"), b("2"));
                t.commit();
                notDurable = t.id();
            }
            env.checkpoint(true);
        }
        List<DocumentedSegment> log = DocumentedSegment.readLog(dir.resolve("log"));
        DocumentedRecord lastLogged = null;
        for (DocumentedSegment s : log) {
            for (DocumentedRecord r : s.records()) {
                assertTrue(r.txnId() != notDurable, "a NOT_DURABLE commit is not logged: " + Lsn.format(r.lsn()));
                if (r.type() == DocumentedPayload.COMMIT) {
                    lastLogged = r;
                }
            }
        }
        DocumentedDataFileHeader h = DocumentedDataFile.read(dir.resolve("data/db.cdb")).current();
        assertEquals(notDurable, h.lastCommitTxn(), "the last commit the checkpoint holds");
        assertTrue(h.lastCommitTime() >= ((DocumentedPayload.Commit) lastLogged.decoded()).time());
        assertEquals(lastLogged.endLsn(), h.lastCommitEndLsn(), "the end of the log when it committed");
    }
}
