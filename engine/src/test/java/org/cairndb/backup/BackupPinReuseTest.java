package org.cairndb.backup;

import static org.cairndb.TestSupport.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.TestSupport;
import org.cairndb.archive.BackupPins;
import org.cairndb.env.EnvironmentImpl;
import org.cairndb.io.FileIO;
import org.cairndb.io.ForwardingFileIO;
import org.cairndb.io.ForwardingStorageFile;
import org.cairndb.io.NioFileIO;
import org.cairndb.io.StorageFile;
import org.cairndb.storage.DataFile;
import org.cairndb.storage.PageCache;
import org.cairndb.tree.TreeCursor;
import org.cairndb.util.Bytes;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backup's pin against the checkpoints that run while it copies. The copy reads a data file's
 * header pages first; a checkpoint that starts after the pin may then write its header (the copy
 * keeps the older one), and the pages that header's tree no longer reaches become pending, stamped
 * with the time the new header was durable. They must stay untouched until the backup ends, even
 * when that checkpoint ended in the very millisecond the backup was pinned: clock time alone cannot
 * tell such a stamp from one taken before the pin.
 */
class BackupPinReuseTest {

    private static final int KEYS = 600;
    private static final int PAGE = 8192;

    @TempDir
    Path dir;

    /**
     * A checkpoint after the pin that ends in the pin's millisecond, then checkpoints that rewrite
     * every key (with a reuse delay of zero, so that only the pin keeps pages): the copy, whose
     * header pages were read right after the pin, must open at their generation with that tree
     * whole. Forces are instant (a disk whose cache acknowledges at once), so that a small
     * checkpoint fits in a millisecond; attempts start at the beginning of a millisecond and the
     * copy is checked in those where the checkpoint ended in the pin's millisecond.
     */
    @Test
    void pagesFreedByACheckpointEndingInTheMillisecondOfThePinStayUntilTheBackupEnds() throws Exception {
        Random rnd = new Random(0xB0C0L);
        Path home = dir.resolve("env");
        TreeMap<byte[], byte[]> model = new TreeMap<>(Bytes.ORDER);
        int sameMillisecond = 0;
        int attempts = 0;
        long deadline = System.nanoTime() + 12_000_000_000L;
        try (Environment env = Environment.open(home, TestSupport.config().fileIO(new InstantForces(NioFileIO.INSTANCE)))) {
            EnvironmentImpl impl = env.internals();
            Database db = env.openDatabase("t");
            for (int round = 0; round < 3; round++) {
                rewriteAll(db, rnd, model);
                env.checkpoint(true);
            }
            Path file = home.resolve("data").resolve("t" + DataFile.SUFFIX);
            while (sameMillisecond < 5 && attempts < 3000 && System.nanoTime() < deadline) {
                attempts++;
                TreeMap<byte[], byte[]> atCopyStart = new TreeMap<>(model);
                long generation = impl.catalog().all().iterator().next().file().header().generation();
                tickPast(System.currentTimeMillis());
                BackupPins.Pin pin;
                synchronized (impl.checkpointer()) { // as HotBackup pins
                    pin = impl.backupPins().pin(impl.log().currentSegment(), "test copy");
                }
                try {
                    byte[] headers = read(file, 2 * PAGE);
                    put(db, rnd, model, rnd.nextInt(KEYS));
                    env.checkpoint(true);
                    if (System.currentTimeMillis() != pin.sinceMillis()) {
                        continue; // that checkpoint's stamp is later than the pin: not the case looked for
                    }
                    sameMillisecond++;
                    for (int i = 0; i < 2; i++) {
                        rewriteAll(db, rnd, model);
                        env.checkpoint(true);
                    }
                    byte[] all = Files.readAllBytes(file);
                    System.arraycopy(headers, 0, all, 0, headers.length);
                    Path copy = dir.resolve("copy-" + attempts + DataFile.SUFFIX);
                    Files.write(copy, all);
                    assertCopy(copy, generation, atCopyStart, "attempt " + attempts);
                    Files.delete(copy);
                } finally {
                    pin.close();
                }
            }
        }
        System.out.println("[BackupPinReuseTest] " + attempts + " attempts, " + sameMillisecond
                + " with the checkpoint ending in the millisecond of the pin");
        Assumptions.assumeTrue(sameMillisecond > 0, "no checkpoint ended in the millisecond of its pin on this machine");
    }

    /**
     * A real hot backup whose copy of the data file stops right after its first read (the header
     * pages and the first megabyte) while the environment commits, deletes and checkpoints four
     * times, each checkpoint reusing the pages freed before the backup began (reuse delay zero).
     * The backup then finishes (copying the log after the data file) and recovers its copy, which
     * must hold exactly what the environment holds: every key and value, nothing more.
     */
    @Test
    void aHotBackupHeldAfterItsFirstReadRecoversToTheSourceWhileCheckpointsReusePages() throws Exception {
        Random rnd = new Random(0xBAC0L);
        Path home = dir.resolve("env");
        Path target = dir.resolve("backup");
        GatedCopies io = new GatedCopies(NioFileIO.INSTANCE);
        TreeMap<byte[], byte[]> model = new TreeMap<>(Bytes.ORDER);
        long freedBefore;
        long freedDuring = 0;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor();
        try (Environment env = Environment.open(home, TestSupport.config().fileIO(io))) {
            Database db = env.openDatabase("t");
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 4000; i++) {
                    bigPut(db, rnd, model, i);
                }
                env.checkpoint(true);
            }
            // The last of those checkpoints left the pages of the tree before it pending: free for
            // reuse once the backup began, as its stamp is older than the pin.
            freedBefore = env.internals().catalog().all().iterator().next().file().spaceUsage()[2];
            java.util.concurrent.Future<BackupResult> backup = pool.submit(
                    () -> HotBackup.run(env.internals(), target, BackupOptions.defaults()));
            TestSupport.awaitTrue(() -> io.held.getCount() == 0 || backup.isDone(), "the backup's first read of t.cdb");
            if (backup.isDone()) {
                backup.get(); // throws what stopped it
                fail("the backup copied t.cdb in one read: the file is too small for this test");
            }
            for (int round = 0; round < 4; round++) {
                for (int i = 0; i < 1500; i++) {
                    int k = rnd.nextInt(4000);
                    if (rnd.nextInt(8) == 0) {
                        byte[] key = b(String.format("k%05d", k));
                        db.delete(null, key);
                        model.remove(key);
                    } else {
                        bigPut(db, rnd, model, k);
                    }
                }
                freedDuring += env.checkpoint(true).pagesFreed();
            }
            io.release.countDown();
            BackupResult r = backup.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(true, r.recovery() != null, "the copy was recovered");
        } finally {
            io.release.countDown();
            pool.shutdownNow();
        }
        try (Environment copy = Environment.open(target, TestSupport.config().allowCreate(false))) {
            Database db = copy.openDatabase("t", false);
            assertEquals(model.size(), db.count(), "records in the recovered copy");
            try (org.cairndb.Cursor c = db.openCursor(null)) {
                var it = model.entrySet().iterator();
                for (boolean more = c.first(); more; more = c.next()) {
                    if (!it.hasNext()) {
                        fail("extra key " + Bytes.hex(c.key()));
                    }
                    var e = it.next();
                    assertArrayEquals(e.getKey(), c.key());
                    assertArrayEquals(e.getValue(), c.value(), "value of " + Bytes.hex(e.getKey()));
                }
                if (it.hasNext()) {
                    fail("key " + Bytes.hex(it.next().getKey()) + " missing");
                }
            }
        }
        System.out.println("[BackupPinReuseTest] extents pending when the backup began: " + freedBefore
                + ", while its copy was held: " + freedDuring);
        org.junit.jupiter.api.Assertions.assertTrue(freedDuring > 100, freedDuring + " pages reused while the copy was held");
    }

    static void bigPut(Database db, Random rnd, TreeMap<byte[], byte[]> model, int i) {
        byte[] k = b(String.format("k%05d", i));
        byte[] v = new byte[rnd.nextInt(20) == 0 ? 9000 + rnd.nextInt(20000) : 200 + rnd.nextInt(400)];
        rnd.nextBytes(v);
        db.put(null, k, v);
        model.put(k, v);
    }

    /**
     * The real file system with instant forces, where a data file opened only for reading (as a
     * backup copies it) stops before its second read until {@link #release} opens: the copy has read the header
     * pages and the first megabyte, and the rest waits.
     */
    static final class GatedCopies extends InstantForces {
        final java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);

        GatedCopies(FileIO delegate) {
            super(delegate, false);
        }

        @Override
        StorageFile wrap(StorageFile f, boolean write) {
            if (write || !f.path().toString().endsWith(DataFile.SUFFIX)) {
                return f;
            }
            return new ForwardingStorageFile(f) {
                private int reads;

                @Override
                public int read(ByteBuffer dst, long position) throws IOException {
                    if (reads++ == 1) {
                        held.countDown();
                        try {
                            if (!release.await(60, java.util.concurrent.TimeUnit.SECONDS)) {
                                throw new IOException("test gate never opened");
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IOException(e);
                        }
                    }
                    return super.read(dst, position);
                }
            };
        }
    }

    static void tickPast(long millis) {
        while (System.currentTimeMillis() <= millis) {
            Thread.onSpinWait();
        }
    }

    static byte[] read(Path file, int bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(bytes);
            while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
                // until both header pages are read
            }
            return b.array();
        }
    }

    static void put(Database db, Random rnd, TreeMap<byte[], byte[]> model, int i) {
        byte[] k = b(String.format("k%05d", i));
        byte[] v = new byte[100 + rnd.nextInt(200)];
        rnd.nextBytes(v);
        db.put(null, k, v);
        model.put(k, v);
    }

    static void rewriteAll(Database db, Random rnd, TreeMap<byte[], byte[]> model) {
        for (int i = 0; i < KEYS; i++) {
            put(db, rnd, model, i);
        }
    }

    /** Opens the copied data file on its own and compares its whole tree with {@code expected}. */
    static void assertCopy(Path copy, long generation, TreeMap<byte[], byte[]> expected, String what) throws IOException {
        AtomicLong dirty = new AtomicLong();
        try (DataFile c = DataFile.open(NioFileIO.INSTANCE, copy, null, false, new PageCache(1 << 20, dirty::get), dirty)) {
            assertEquals(generation, c.header().generation(), what + ": the copy keeps the header it read");
            TreeCursor cur = new TreeCursor(c.loadRoot(), c);
            var it = expected.entrySet().iterator();
            boolean more = cur.first();
            while (more) {
                if (!it.hasNext()) {
                    fail(what + ": extra key " + Bytes.hex(cur.key()));
                }
                var e = it.next();
                assertArrayEquals(e.getKey(), cur.key(), what);
                assertArrayEquals(e.getValue(), cur.value(), what + ": value of " + Bytes.hex(e.getKey()));
                more = cur.next();
            }
            if (it.hasNext()) {
                fail(what + ": key " + Bytes.hex(it.next().getKey()) + " missing");
            }
        }
    }

    /**
     * The real file system, with forces that return at once (as on a disk whose cache acknowledges
     * them), or (with {@code realForces}) as it is; subclasses may wrap the files opened.
     */
    static class InstantForces extends ForwardingFileIO {
        private final boolean realForces;

        InstantForces(FileIO delegate) {
            this(delegate, false);
        }

        InstantForces(FileIO delegate, boolean realForces) {
            super(delegate);
            this.realForces = realForces;
        }

        StorageFile wrap(StorageFile f, boolean write) {
            return f;
        }

        @Override
        public StorageFile open(Path path, boolean write, boolean create) throws IOException {
            StorageFile f = super.open(path, write, create);
            return wrap(realForces ? f : new ForwardingStorageFile(f) {
                @Override
                public void force(boolean metadata) {
                    // acknowledged at once
                }
            }, write);
        }

        @Override
        public void syncDirectory(Path dir) throws IOException {
            if (realForces) {
                super.syncDirectory(dir);
            }
        }
    }
}
