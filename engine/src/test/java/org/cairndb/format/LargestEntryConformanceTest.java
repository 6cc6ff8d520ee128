package org.cairndb.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.TestSupport;
import org.cairndb.Transaction;
import org.cairndb.format.DocumentedTree.Key;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The largest entry docs/file-format.md allows (a 4096-byte key and a 16 MiB value): its COMMIT
 * record (a four-byte {@code var} length) in a segment grown for it, and its overflow value, a run of
 * some two thousand pages, decode as documented.
 */
class LargestEntryConformanceTest {

    @TempDir
    Path dir;

    @Test
    void aMaximalKeyAndValueDecode() throws IOException {
        byte[] key = new byte[Database.MAX_KEY_SIZE];
        Arrays.fill(key, (byte) 0xFE);
        byte[] value = new byte[Database.MAX_VALUE_SIZE];
        new Random(16).nextBytes(value);
        try (Environment env = Environment.open(dir, TestSupport.config().logSegmentSize(64 << 10))) {
            Database db = env.openDatabase("big", true);
            try (Transaction t = env.beginTransaction()) {
                db.put(t, key, value);
                t.commit();
            }
            env.checkpoint(true);
        }
        List<DocumentedSegment> log = DocumentedSegment.readLog(dir.resolve("log"));
        DocumentedRecord commit = null;
        for (DocumentedSegment s : log) {
            assertNull(s.problem(), s.file().toString());
            assertEquals(s.fileSize(), s.header().sizeKiB() * 1024L, s.file() + ": size as created");
            for (DocumentedRecord r : s.records()) {
                if (r.type() == DocumentedPayload.COMMIT) {
                    commit = r;
                    assertEquals(1, s.records().size(), s.file() + ": a segment of its own");
                }
            }
        }
        DocumentedPayload.Operation op = ((DocumentedPayload.Commit) commit.decoded()).operations().get(0);
        assertArrayEquals(key, op.key());
        assertArrayEquals(value, op.value());

        DocumentedDataFile f = DocumentedDataFile.read(dir.resolve("data/big.cdb"));
        assertEquals(1, f.current().recordCount());
        assertArrayEquals(value, f.tree().entries.get(new Key(key)));
        assertTrue(f.tree().overflowKeys.contains(new Key(key)));
    }
}
