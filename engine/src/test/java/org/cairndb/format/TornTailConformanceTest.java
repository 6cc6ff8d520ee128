package org.cairndb.format;

import static org.cairndb.TestSupport.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.TestSupport;
import org.cairndb.Transaction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/file-format.md, "Torn tails and corruption": the bytes of an unfinished write at the end of
 * the last segment are overwritten with zeros, so that the end of the written part stays what the
 * document says it is (a record length of zero followed only by zeros).
 */
class TornTailConformanceTest {

    @TempDir
    Path dir;

    @Test
    void aTornTailIsZeroedSoTheLogEndsAsDocumented() throws IOException {
        try (Environment env = TestSupport.open(dir)) {
            Database db = env.openDatabase("db", true);
            for (int i = 0; i < 5; i++) {
                try (Transaction t = env.beginTransaction()) {
                    db.put(t, b("k" + i), b("v" + i));
                    t.commit();
                }
            }
        }
        List<DocumentedSegment> before = DocumentedSegment.readLog(dir.resolve("log"));
        DocumentedSegment last = before.get(before.size() - 1);
        byte[] torn = new byte[4000];
        new Random(7).nextBytes(torn);
        ByteBuffer.wrap(torn).putInt(0, torn.length); // a plausible length, then bytes that fail the CRC
        try (FileChannel ch = FileChannel.open(last.file(), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(torn), last.end());
        }
        assertTrue(DocumentedSegment.read(last.file()).problem() != null, "the decoder sees the torn record");

        try (Environment env = TestSupport.open(dir)) {
            assertTrue(env.recoveryReport().toString().contains(String.valueOf(last.end())),
                    "the torn tail is reported: " + env.recoveryReport());
        }
        List<DocumentedSegment> after = DocumentedSegment.readLog(dir.resolve("log"));
        for (DocumentedSegment s : after) {
            assertNull(s.problem(), s.file().toString());
            assertTrue(s.zeroTail(), s.file() + ": zeros after the last record, from " + s.end());
        }
        assertEquals(last.records().size(), after.get(before.size() - 1).records().stream()
                .filter(r -> Lsn.offset(r.lsn()) < last.end()).count(), "the records before the tail are kept");
    }
}
