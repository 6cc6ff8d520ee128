package org.cairndb.xa;

import static org.cairndb.xa.XaTestSupport.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import org.cairndb.Cursor;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.TransactionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many connections working on shared branches at once, as a transaction manager's threads do:
 * each thread starts branches or joins others' (TMJOIN), writes, ends (TMSUCCESS, sometimes TMFAIL
 * or TMSUSPEND and TMRESUME), and completes branches, its own or others', by one-phase commit,
 * prepare and commit, or rollback; some branches idle past their one-second timeout. Calls that
 * race are allowed to fail, with an XAException (or, for work, the engine's TransactionException):
 * nothing else. Every branch must end all or nothing: when commit returned, every write recorded
 * for it is there; when it was rolled back, none is; no write of a branch with an unknown outcome
 * is there partly. The same holds after the environment is closed and opened again, and
 * {@code recover} lists exactly the branches still prepared.
 */
class ConcurrentBranchesTest {

    private static final int THREADS = 6;

    @TempDir
    Path dir;

    /** What the test knows of one branch. */
    private static final class Branch {
        final CairnXid xid;
        final Set<String> written = new ConcurrentSkipListSet<>();
        final AtomicBoolean claimed = new AtomicBoolean();
        volatile String outcome; // "committed", "rolled back", "prepared" or null (unknown)

        Branch(CairnXid xid) {
            this.xid = xid;
        }
    }

    @Test
    void concurrentBranchesEndAllOrNothing() throws Exception {
        long seed = Long.getLong("cairn.model.seed", System.nanoTime());
        int seconds = Integer.getInteger("cairn.chaos.seconds", 6);
        EnvironmentConfig config = XaTestSupport.config().lockTimeout(Duration.ofMillis(100)).txnTimeout(Duration.ofSeconds(30));
        List<Branch> branches = new CopyOnWriteArrayList<>();
        Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
        Queue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        try (Environment env = Environment.open(dir, config)) {
            Database db = env.openDatabase("t");
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int id = t;
                Thread th = new Thread(() -> {
                    Random r = new Random(seed * 31 + id);
                    CairnXAResource xa = new CairnXAResource(env);
                    int n = 0;
                    while (!stop.get()) {
                        try {
                            step(xa, db, r, branches, id + "-" + n++);
                        } catch (XAException e) {
                            failures.computeIfAbsent(XaErrors.name(e.errorCode), k -> new AtomicInteger()).incrementAndGet();
                        } catch (TransactionException e) {
                            failures.computeIfAbsent(e.getClass().getSimpleName(), k -> new AtomicInteger()).incrementAndGet();
                        } catch (Throwable e) {
                            unexpected.add(e);
                            return;
                        }
                        if (xa.associatedXid() != null) {
                            try {
                                xa.end(xa.associatedXid(), XAResource.TMSUCCESS);
                            } catch (XAException ignored) {
                                // the branch was rolled back meanwhile; its outcome is decided elsewhere
                            }
                        }
                    }
                }, "xa-" + t);
                th.start();
                threads.add(th);
            }
            long deadline = System.nanoTime() + seconds * 1_000_000_000L;
            while (System.nanoTime() < deadline && unexpected.isEmpty()) {
                Thread.sleep(50); // the run's length; the threads do not depend on it
            }
            stop.set(true);
            for (Thread th : threads) {
                th.join(60_000);
                assertTrue(!th.isAlive(), th.getName() + " did not stop");
            }
            if (!unexpected.isEmpty()) {
                Throwable first = unexpected.peek();
                throw new AssertionError(unexpected.size() + " unexpected failures (seed " + seed + "), the first: " + first, first);
            }
            check(env, branches, "running, seed " + seed);
        }
        try (Environment env = Environment.open(dir, config)) {
            check(env, branches, "after reopening, seed " + seed);
        }
        long committed = branches.stream().filter(b -> "committed".equals(b.outcome)).count();
        long prepared = branches.stream().filter(b -> "prepared".equals(b.outcome)).count();
        assertTrue(committed > 0, "some branch committed: " + failures);
        System.out.println("[xa-chaos] seed " + seed + ": " + branches.size() + " branches, " + committed + " committed, "
                + prepared + " left prepared; refused calls: " + new TreeMap<>(failures));
    }

    /** One random thing a connection does. */
    private static void step(CairnXAResource xa, Database db, Random r, List<Branch> branches, String name) throws Exception {
        int op = r.nextInt(100);
        if (op < 35 || branches.isEmpty()) {
            Branch b = new Branch(XaTestSupport.xid());
            xa.setTransactionTimeout(r.nextInt(4) == 0 ? 1 : 0);
            xa.start(b.xid, XAResource.TMNOFLAGS);
            branches.add(b);
            work(xa, db, r, b, name);
            if (r.nextInt(10) == 0) {
                xa.end(b.xid, XAResource.TMSUSPEND);
                xa.start(b.xid, XAResource.TMRESUME);
            }
            xa.end(b.xid, r.nextInt(20) == 0 ? XAResource.TMFAIL : XAResource.TMSUCCESS);
        } else if (op < 60) {
            Branch b = recent(branches, r);
            if (b.outcome == null && !b.claimed.get()) {
                xa.start(b.xid, XAResource.TMJOIN);
                work(xa, db, r, b, name);
                xa.end(b.xid, XAResource.TMSUCCESS);
            }
        } else if (op < 90) {
            Branch b = r.nextInt(10) == 0 ? branches.get(r.nextInt(branches.size())) : recent(branches, r);
            if ((b.outcome == null || "prepared".equals(b.outcome)) && b.claimed.compareAndSet(false, true)) {
                try {
                    complete(xa, r, b);
                } finally {
                    b.claimed.set(false);
                }
            }
        } else if (op < 92) {
            // Idle for a while: some branches pass their one-second timeout meanwhile.
            Thread.sleep(300 + r.nextInt(900));
        } else {
            Thread.onSpinWait();
        }
    }

    /** One of the last twenty branches started. */
    private static Branch recent(List<Branch> branches, Random r) {
        int size = branches.size();
        return branches.get(size - 1 - r.nextInt(Math.min(size, 20)));
    }

    private static void work(CairnXAResource xa, Database db, Random r, Branch b, String name) {
        int n = 1 + r.nextInt(3);
        for (int i = 0; i < n; i++) {
            String key = r.nextInt(5) == 0 ? "shared-" + r.nextInt(40) : "own-" + name + "-" + i;
            xa.run(t -> db.put(t, b(key), b(b.xid.toString())));
            b.written.add(key);
        }
    }

    /** Completes a branch; records the outcome the calls report. */
    private static void complete(CairnXAResource xa, Random r, Branch b) throws XAException {
        try {
            if ("prepared".equals(b.outcome)) {
                if (r.nextBoolean()) {
                    xa.commit(b.xid, false);
                    b.outcome = "committed";
                } else {
                    xa.rollback(b.xid);
                    b.outcome = "rolled back";
                }
                return;
            }
            int how = r.nextInt(4);
            if (how == 0) {
                xa.commit(b.xid, true);
                b.outcome = "committed";
            } else if (how == 1) {
                xa.rollback(b.xid);
                b.outcome = "rolled back";
            } else {
                int vote = xa.prepare(b.xid);
                b.outcome = vote == XAResource.XA_RDONLY ? "rolled back" : "prepared";
                // Left prepared for another step (or for good), or completed now.
                if (vote == XAResource.XA_OK && r.nextInt(3) > 0) {
                    complete(xa, r, b);
                }
            }
        } catch (XAException e) {
            if (e.errorCode >= XAException.XA_RBBASE && e.errorCode <= XAException.XA_RBEND) {
                b.outcome = "rolled back";
            }
            throw e;
        }
    }

    /**
     * Every key holds the value of a branch that committed, and each branch is all or nothing: a
     * committed branch's keys all exist (with its value, unless a later committed branch wrote the
     * key), a rolled-back or prepared branch's value is nowhere, and recover lists exactly the
     * prepared branches.
     */
    private static void check(Environment env, List<Branch> branches, String when) throws XAException {
        Map<String, String> data = new TreeMap<>();
        try (Cursor c = env.openDatabase("t", false).openCursor(null)) {
            for (boolean ok = c.first(); ok; ok = c.next()) {
                data.put(XaTestSupport.s(c.key()), XaTestSupport.s(c.value()));
            }
        }
        Map<String, Branch> byXid = new TreeMap<>();
        for (Branch b : branches) {
            byXid.put(b.xid.toString(), b);
        }
        for (Map.Entry<String, String> e : data.entrySet()) {
            Branch owner = byXid.get(e.getValue());
            assertTrue(owner != null, when + ": " + e + " was written by no known branch");
            assertTrue(!"rolled back".equals(owner.outcome) && !"prepared".equals(owner.outcome),
                    when + ": " + e.getKey() + " holds the value of a branch that is " + owner.outcome);
        }
        for (Branch b : branches) {
            boolean any = b.written.stream().anyMatch(k -> b.xid.toString().equals(data.get(k)));
            if ("committed".equals(b.outcome)) {
                for (String k : b.written) {
                    assertTrue(data.containsKey(k), when + ": committed branch " + b.xid + " wrote " + k + ", which is missing");
                }
            } else if (b.outcome == null && any) {
                for (String k : b.written) {
                    assertTrue(data.containsKey(k), when + ": " + b.xid + " (outcome unknown) is present in part: " + k + " missing");
                }
            }
        }
        Set<String> listed = new TreeSet<>();
        for (javax.transaction.xa.Xid x : new CairnXAResource(env).recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN)) {
            listed.add(CairnXid.of(x).toString());
        }
        Set<String> prepared = new TreeSet<>();
        for (Branch b : branches) {
            if ("prepared".equals(b.outcome)) {
                prepared.add(b.xid.toString());
            }
        }
        assertEquals(prepared, listed, when + ": recover lists exactly the branches left prepared");
    }
}
