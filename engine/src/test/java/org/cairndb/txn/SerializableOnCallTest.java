package org.cairndb.txn;

import static org.cairndb.TestSupport.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.cairndb.Cursor;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.IsolationLevel;
import org.cairndb.Transaction;
import org.cairndb.TransactionConfig;
import org.cairndb.WriteConflictException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The on-call rule, randomized: in every ward one to three doctors are on call. A doctor on call is
 * a record; a transaction counts a ward's doctors (by a cursor over the ward, or by reading each
 * possible doctor's key through one reused key array, absent ones included) and then either sends
 * one home (a delete, if at least two are on call) or calls one in (an insert, if at most two are).
 * Each decision is right on its own snapshot, so under SNAPSHOT two of them together break the rule
 * (write skew, through a phantom for the inserts); under SERIALIZABLE, as documented, one of them
 * must fail, and the rule must hold in every snapshot a reader takes and at the end.
 */
class SerializableOnCallTest {

    private static final int WARDS = 3;
    private static final int DOCTORS = 8;
    private static final int THREADS = 4;
    private static final long RUN_MILLIS = Long.getLong("cairn.model.millis", 2_500);

    @TempDir
    Path dir;

    @Test
    void everyWardKeepsOneToThreeDoctorsOnCallUnderSerializable() throws Exception {
        long seed = Long.getLong("cairn.model.seed", System.nanoTime());
        System.out.println("[on-call] seed " + seed + " (repeat with -Dcairn.model.seed=" + seed + ")");
        EnvironmentConfig config = new EnvironmentConfig().cacheSize(4L << 20).checkpointerEnabled(false)
                .durability(Durability.NO_SYNC).lockTimeout(Duration.ofSeconds(5)).logSegmentSize(1L << 20);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);
        Queue<String> broken = new ConcurrentLinkedQueue<>();
        AtomicLong commits = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        AtomicLong checks = new AtomicLong();
        try (Environment env = Environment.open(dir, config)) {
            Database db = env.openDatabase("oncall");
            for (int w = 0; w < WARDS; w++) {
                db.put(null, doctor(w, 0), b("on"));
                db.put(null, doctor(w, 1), b("on"));
            }
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RUN_MILLIS);
            List<Future<?>> tasks = new ArrayList<>();
            for (int i = 0; i < THREADS; i++) {
                Random rnd = new Random(seed + i);
                tasks.add(pool.submit(() -> {
                    while (System.nanoTime() < end) {
                        try {
                            if (decide(env, db, rnd)) {
                                commits.incrementAndGet();
                            }
                        } catch (WriteConflictException e) {
                            assertTrue(e.getMessage().contains("serialization failure") || e.getMessage().contains("write conflict"),
                                    e.getMessage());
                            failures.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            tasks.add(pool.submit(() -> {
                while (System.nanoTime() < end) {
                    try (Transaction t = env.beginTransaction(new TransactionConfig().isolation(IsolationLevel.SNAPSHOT))) {
                        for (int w = 0; w < WARDS; w++) {
                            int n = countByCursor(db, t, w);
                            if ((n < 1 || n > 3) && broken.size() < 10) {
                                broken.add("ward " + w + " had " + n + " on call in a snapshot");
                            }
                        }
                        checks.incrementAndGet();
                    }
                }
                return null;
            }));
            for (Future<?> f : tasks) {
                f.get(RUN_MILLIS / 1000 + 60, TimeUnit.SECONDS);
            }
            System.out.println("[on-call] " + commits + " decisions committed, " + failures + " refused, " + checks
                    + " snapshots checked");
            assertTrue(commits.get() > 100, "decisions committed: " + commits);
            assertTrue(failures.get() > 0, "no decision was ever refused: the test made no concurrent decisions");
            assertEquals(List.of(), List.copyOf(broken));
            try (Transaction t = env.beginTransaction()) {
                for (int w = 0; w < WARDS; w++) {
                    int n = countByCursor(db, t, w);
                    assertTrue(n >= 1 && n <= 3, "ward " + w + " ends with " + n + " on call");
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** One decision in one ward; whether it changed anything and committed. */
    private static boolean decide(Environment env, Database db, Random rnd) {
        try (Transaction t = env.beginTransaction(new TransactionConfig().isolation(IsolationLevel.SERIALIZABLE))) {
            int w = rnd.nextInt(WARDS);
            List<Integer> on = rnd.nextBoolean() ? onCallByCursor(db, t, w) : onCallByGets(db, t, w);
            Thread.yield(); // let others decide on the same snapshot now and then
            boolean sendHome = rnd.nextBoolean();
            if (sendHome && on.size() >= 2) {
                db.delete(t, doctor(w, on.get(rnd.nextInt(on.size()))));
            } else if (!sendHome && on.size() <= 2) {
                int d;
                do {
                    d = rnd.nextInt(DOCTORS);
                } while (on.contains(d));
                db.put(t, doctor(w, d), b("on"));
            } else {
                return false;
            }
            t.commit();
            return true;
        }
    }

    private static List<Integer> onCallByCursor(Database db, Transaction t, int ward) {
        List<Integer> on = new ArrayList<>();
        try (Cursor c = db.openCursor(t, b("ward" + ward + "/"), b("ward" + ward + "0"))) {
            for (boolean ok = c.first(); ok; ok = c.next()) {
                String k = new String(c.key(), StandardCharsets.UTF_8);
                on.add(Integer.parseInt(k.substring(k.indexOf('/') + 1)));
            }
        }
        return on;
    }

    /** Reads every possible doctor of the ward through one key array, as a loop over ids would. */
    private static List<Integer> onCallByGets(Database db, Transaction t, int ward) {
        List<Integer> on = new ArrayList<>();
        byte[] key = doctor(ward, 0);
        for (int d = 0; d < DOCTORS; d++) {
            byte[] k = doctor(ward, d);
            System.arraycopy(k, 0, key, 0, k.length);
            if (db.get(t, key) != null) {
                on.add(d);
            }
        }
        return on;
    }

    private static int countByCursor(Database db, Transaction t, int ward) {
        return onCallByCursor(db, t, ward).size();
    }

    private static byte[] doctor(int ward, int d) {
        return b("ward" + ward + "/" + d);
    }

}
