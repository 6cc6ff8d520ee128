package org.cairndb.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import org.cairndb.*;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records of the largest size (4,096-byte keys, 16 MiB values) in 64 KiB log segments through the
 * commands: printlog and verify after a crash, dump and load in both formats, hot backup and
 * catastrophic recovery, a prepared transaction, the smallest cache, records at a segment's end.
 */
class LargestEntriesCommandsTest {
    @TempDir Path dir;
    static final int K = Database.MAX_KEY_SIZE, V = Database.MAX_VALUE_SIZE;

    static byte[] key(int i) {
        byte[] k = new byte[K];
        Arrays.fill(k, (byte) 0x5A);
        k[K - 1] = (byte) i;
        return k;
    }

    static byte[] value(int i) {
        byte[] v = new byte[V];
        new Random(i).nextBytes(v);
        return v;
    }

    void write(Path home, boolean crash) {
        Environment env = Environment.open(home, TestSupport.config().logSegmentSize(64 << 10));
        Database db = env.openDatabase("big", true);
        for (int i = 0; i < 2; i++) {
            try (Transaction t = env.beginTransaction()) {
                db.put(t, key(i), value(i));
                t.commit();
            }
        }
        try (Transaction t = env.beginTransaction()) {
            db.put(t, key(9), new byte[] {1});
            t.commit();
        }
        if (crash) env.internals().abandon(); else env.close();
    }

    void check(Path home) {
        try (Environment env = Environment.open(home, TestSupport.config())) {
            Database db = env.openDatabase("big", false);
            try (Transaction t = env.beginTransaction()) {
                for (int i = 0; i < 2; i++) assertArrayEquals(value(i), db.get(t, key(i)), "key " + i);
                assertArrayEquals(new byte[] {1}, db.get(t, key(9)));
                assertEquals(3, db.count());
            }
        }
    }

    @Test
    void recoveryPrintlogVerifyAfterCrash() throws Exception {
        Path home = dir.resolve("h");
        write(home, true);
        CliRun.Result p = CliRun.run("printlog", "-h", home.toString());
        assertEquals(0, p.exit(), p.err());
        CliRun.Result v = CliRun.run("verify", "-h", home.toString());
        assertEquals(0, v.exit(), v.toString());
        check(home);
        CliRun.Result v2 = CliRun.run("verify", "-h", home.toString());
        assertEquals(0, v2.exit(), v2.toString());
    }

    @Test
    void dumpLoadRoundTrip() throws Exception {
        Path home = dir.resolve("h");
        write(home, false);
        for (boolean printable : new boolean[] {false, true}) {
            Path file = dir.resolve("d" + printable);
            CliRun.Result d = printable ? CliRun.run("dump", "-h", home.toString(), "-p", "-f", file.toString(), "big")
                    : CliRun.run("dump", "-h", home.toString(), "-f", file.toString(), "big");
            assertEquals(0, d.exit(), d.toString());
            Path target = Files.createDirectories(dir.resolve("t" + printable));
            CliRun.Result l = CliRun.run("load", "-h", target.toString(), "-f", file.toString(), "big");
            assertEquals(0, l.exit(), l.toString());
            check(target);
            Files.delete(file);
        }
    }

    @Test
    void hotBackupAndCatastrophicRecovery() throws Exception {
        Path home = dir.resolve("h");
        write(home, false);
        Path b = dir.resolve("b");
        CliRun.Result h = CliRun.run("hotbackup", "-h", home.toString(), "-b", b.toString());
        assertEquals(0, h.exit(), h.toString());
        CliRun.Result vb = CliRun.run("verifybackup", b.toString());
        assertEquals(0, vb.exit(), vb.toString());
        Path r = dir.resolve("r");
        TestSupport.copyTree(b, r);
        CliRun.Result rc = CliRun.run("recover", "-c", "-h", r.toString());
        assertEquals(0, rc.exit(), rc.toString());
        check(r);
    }

    @Test
    void preparedMaximalRecordsSmallBuffersAndSegments() throws Exception {
        Path home = dir.resolve("p");
        EnvironmentConfig c = TestSupport.config().logSegmentSize(64 << 10).logBufferSize(64 << 10).cacheSize(1 << 20);
        Environment env = Environment.open(home, c);
        Database db = env.openDatabase("big", true);
        try (Transaction t = env.beginTransaction()) {
            db.put(t, key(0), value(0));
            t.commit();
        }
        Transaction p = env.beginTransaction();
        db.put(p, key(1), value(1));
        db.put(p, key(9), new byte[] {1});
        p.prepare(new byte[] {7, 7});
        env.internals().abandon();
        CliRun.Result pl = CliRun.run("printlog", "-h", home.toString(), "-v");
        assertEquals(0, pl.exit(), pl.err());
        try (Environment e2 = Environment.open(home, c)) {
            List<?> prepared = e2.preparedTransactions();
            assertEquals(1, prepared.size());
            Transaction t = e2.preparedTransaction(new byte[] {7, 7});
            t.commit();
        }
        check(home);
        CliRun.Result v = CliRun.run("verify", "-h", home.toString());
        assertEquals(0, v.exit(), v.toString());
    }

    @Test
    void recoveryInTheSmallestCache() throws Exception {
        Path home = dir.resolve("s");
        EnvironmentConfig c = TestSupport.config().logSegmentSize(64 << 10).cacheSize(1 << 20);
        Environment env = Environment.open(home, c);
        Database db = env.openDatabase("big", true);
        for (int i = 0; i < 2; i++) {
            try (Transaction t = env.beginTransaction()) {
                db.put(t, key(i), value(i));
                for (int j = 0; j < 200; j++) db.put(t, ("k" + i + "-" + j).getBytes(), new byte[2000]);
                t.commit();
            }
        }
        try (Transaction t = env.beginTransaction()) {
            db.put(t, key(9), new byte[] {1});
            t.commit();
        }
        env.internals().abandon();
        try (Environment e2 = Environment.open(home, c)) {
            Database d = e2.openDatabase("big", false);
            try (Transaction t = e2.beginTransaction()) {
                for (int i = 0; i < 2; i++) assertArrayEquals(value(i), d.get(t, key(i)), "key " + i);
                assertEquals(403, d.count());
            }
        }
        Files.writeString(home.resolve("cairn.properties"), "cairn.cache.size=1m\n");
        CliRun.Result v = CliRun.run("verify", "-h", home.toString());
        assertEquals(0, v.exit(), v.toString());
        Path b = dir.resolve("sb");
        CliRun.Result h = CliRun.run("hotbackup", "-h", home.toString(), "-b", b.toString());
        assertEquals(0, h.exit(), h.toString());
        CliRun.Result rc = CliRun.run("recover", "-c", "-h", b.toString());
        assertEquals(0, rc.exit(), rc.toString());
        CliRun.Result d = CliRun.run("dump", "-h", b.toString(), "-f", dir.resolve("x.dump").toString(), "big");
        assertEquals(0, d.exit(), d.toString());
    }

    @Test
    void recordsAtTheSegmentBoundary() throws Exception {
        for (int delta = -1; delta <= 1; delta++) {
            Path home = dir.resolve("seg" + delta);
            EnvironmentConfig c = TestSupport.config().logSegmentSize(64 << 10);
            Environment env = Environment.open(home, c);
            Database db = env.openDatabase("t", true);
            env.checkpoint(true);
            byte[] k = "0123456789".getBytes();
            int v = 65412 + delta;
            for (int round = 0; round < 3; round++) {
                try (Transaction t = env.beginTransaction()) {
                    k[0] = (byte) ('a' + round);
                    db.put(t, k.clone(), new byte[v + round]);
                    t.commit();
                }
            }
            env.internals().abandon();
            CliRun.Result p = CliRun.run("printlog", "-h", home.toString());
            assertEquals(0, p.exit(), p.err());
            CliRun.Result vr = CliRun.run("verify", "-h", home.toString());
            assertEquals(0, vr.exit(), vr.toString());
            try (Environment e2 = Environment.open(home, c)) {
                Database d = e2.openDatabase("t", false);
                assertEquals(3, d.count());
                try (Transaction t = e2.beginTransaction()) {
                    for (int round = 0; round < 3; round++) { k[0] = (byte) ('a' + round); assertEquals(v + round, d.get(t, k).length); }
                }
            }
        }
    }
}
