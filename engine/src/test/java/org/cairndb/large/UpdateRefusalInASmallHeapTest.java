package org.cairndb.large;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.cairndb.Database;
import org.cairndb.DirectorySnapshot;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.Transaction;
import org.cairndb.backup.BackupOptions;
import org.cairndb.backup.HotBackup;
import org.cairndb.cli.CairnCli;
import org.cairndb.log.SegmentFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An update refuses a backup that was opened as an environment and written to since its last
 * update, naming the first record written there. To find it, the update read each record of the
 * copy's newer segments whole: a transaction of three 16 MiB values committed in the copy (48 MiB
 * in one COMMIT) ran the update out of memory in a 48 MB heap, where the environment itself opens
 * and the refusal needs only a piece of the record at a time.
 */
class UpdateRefusalInASmallHeapTest {

    private static final int VALUE_BYTES = 16 << 20;

    /** Segments large enough that the copy's 48 MiB COMMIT lands in the segment it shares with the environment. */
    private static final long SEGMENT_BYTES = 128L << 20;

    @TempDir
    Path dir;

    @Test
    void anUpdateNamesALargeRecordWrittenInTheCopyWithinTheHeap() throws Exception {
        Path home = dir.resolve("env");
        Path copy = dir.resolve("copy");
        Random random = new Random(7);
        try (Environment env = Environment.open(home, config())) {
            Database db = env.openDatabase("big");
            try (Transaction txn = env.beginTransaction()) {
                db.put(txn, "small".getBytes(), "tiny".getBytes());
                txn.commit();
            }
            HotBackup.run(env.internals(), copy, BackupOptions.defaults());
            try (Transaction txn = env.beginTransaction()) {
                db.put(txn, "next".getBytes(), "after the backup".getBytes());
                txn.commit();
            }
            env.checkpoint(true);
        }
        // The copy, opened and written to: after the environment's bytes of their shared first
        // segment (same header), its own 48 MiB COMMIT, which the update must read to name it.
        try (Environment opened = Environment.open(copy, config())) {
            Database db = opened.openDatabase("big");
            try (Transaction txn = opened.beginTransaction()) {
                for (String key : new String[] {"a", "b", "c"}) {
                    db.put(txn, key.getBytes(), value(random));
                }
                txn.commit();
            }
        }
        Map<String, String> before = DirectorySnapshot.of(copy);

        ChildJvm.Outcome o = ChildJvm.exec(dir, "update", "-Xmx48m", Duration.ofMinutes(2), CairnCli.class, "hotbackup",
                "-h", home.toString(), "-b", copy.toString(), "-u");

        assertEquals(1, o.exit(), o.output());
        assertTrue(o.output().contains("its log segment " + SegmentFiles.name(1) + " differs from this environment's (a"
                + " COMMIT record at offset "), o.output());
        assertTrue(o.output().contains("Nothing was changed"), o.output());
        assertEquals(before, DirectorySnapshot.of(copy), "the refused update changed the copy");
    }

    private static EnvironmentConfig config() {
        return new EnvironmentConfig().checkpointerEnabled(false).logSegmentSize(SEGMENT_BYTES);
    }

    private static byte[] value(Random random) {
        byte[] v = new byte[VALUE_BYTES];
        random.nextBytes(v);
        return v;
    }
}
