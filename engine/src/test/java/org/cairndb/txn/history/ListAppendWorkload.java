package org.cairndb.txn.history;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.cairndb.Cursor;
import org.cairndb.Database;
import org.cairndb.DeadlockException;
import org.cairndb.Environment;
import org.cairndb.IsolationLevel;
import org.cairndb.LockTimeoutException;
import org.cairndb.Transaction;
import org.cairndb.TransactionConfig;
import org.cairndb.TransactionStateException;
import org.cairndb.TransactionTimeoutException;
import org.cairndb.WriteConflictException;
import org.cairndb.txn.history.History.Key;
import org.cairndb.txn.history.History.Kind;
import org.cairndb.txn.history.History.Op;
import org.cairndb.txn.history.History.Outcome;
import org.cairndb.txn.history.History.Txn;

/**
 * Runs seeded random list-append transactions from several threads at one isolation level and
 * records a {@link History}: gets, cursor scans over a range of keys, and appends (read the key's
 * list, put it back with a new element). Some transactions abort themselves; some prepare (two-phase
 * commit) and leave their commit or rollback to another thread, a moment later; a checkpoint thread
 * may run throughout.
 */
public final class ListAppendWorkload {

    /**
     * How a run is shaped. {@code level}: of every transaction, or null for a random level each.
     * {@code lockingAppends}: the share of appends that read with getForUpdate (all of them under
     * READ_COMMITTED, which would lose updates otherwise).
     */
    public record Shape(IsolationLevel level, int threads, int databases, int keys, Duration length, double lockingAppends,
            double prepares, boolean checkpoints, boolean inDoubtAtEnd) {
    }

    /** A transaction each thread prepared last and left in doubt (with {@code inDoubtAtEnd}), to decide after a crash. */
    private record InDoubt(Txn txn, byte[] globalId, boolean commit) {
    }

    private final List<InDoubt> inDoubt = Collections.synchronizedList(new ArrayList<>());

    private final Environment env;
    private final Shape shape;
    private final long seed;
    private final List<Database> dbs = new ArrayList<>();
    private final AtomicLong elements = new AtomicLong();
    private final AtomicInteger txnCount = new AtomicInteger();
    private final AtomicInteger scans = new AtomicInteger();
    private final List<Txn> txns = Collections.synchronizedList(new ArrayList<>());
    private final BlockingQueue<Runnable> completions = new LinkedBlockingQueue<>();
    /** An exception no outcome of the docs explains: the run fails with it. */
    private final List<Throwable> unexpected = Collections.synchronizedList(new ArrayList<>());

    public ListAppendWorkload(Environment env, Shape shape, long seed) {
        this.env = env;
        this.shape = shape;
        this.seed = seed;
        for (int d = 0; d < shape.databases(); d++) {
            dbs.add(env.openDatabase("h" + d));
        }
    }

    public History run() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(shape.threads() + 2);
        AtomicBoolean running = new AtomicBoolean(true);
        try {
            List<Future<?>> workers = new ArrayList<>();
            long deadline = System.nanoTime() + shape.length().toNanos();
            for (int w = 0; w < shape.threads(); w++) {
                Random rnd = new Random(seed * 1_000_003L + w);
                workers.add(pool.submit(() -> {
                    while (System.nanoTime() < deadline && unexpected.isEmpty()) {
                        runOne(rnd, false);
                    }
                    for (int tries = 0; shape.inDoubtAtEnd() && tries < 20 && unexpected.isEmpty(); tries++) {
                        if (runOne(rnd, true)) {
                            break;
                        }
                    }
                    return null;
                }));
            }
            Future<?> completer = pool.submit(() -> {
                while (running.get() || !completions.isEmpty()) {
                    Runnable r = completions.poll(10, TimeUnit.MILLISECONDS);
                    if (r != null) {
                        r.run();
                    }
                }
                return null;
            });
            Future<?> checkpointer = shape.checkpoints() ? pool.submit(() -> {
                while (running.get()) {
                    env.checkpoint(true);
                }
                return null;
            }) : null;
            for (Future<?> f : workers) {
                f.get(shape.length().toSeconds() + 120, TimeUnit.SECONDS);
            }
            running.set(false);
            completer.get(60, TimeUnit.SECONDS);
            if (checkpointer != null) {
                checkpointer.get(60, TimeUnit.SECONDS);
            }
        } finally {
            running.set(false);
            pool.shutdown();
            if (!pool.awaitTermination(60, TimeUnit.SECONDS)) {
                pool.shutdownNow();
            }
        }
        if (!unexpected.isEmpty()) {
            AssertionErrorWithCause e = new AssertionErrorWithCause("unexpected failure (seed " + seed + ")", unexpected.get(0));
            throw e;
        }
        return new History(new ArrayList<>(txns), finalLists());
    }

    /**
     * After a crash: decides, in the environment opened again, each transaction left in doubt
     * (it must have been restored as prepared), and returns the history with the final lists read there.
     */
    public History resolveInDoubt(Environment reopened) {
        for (InDoubt d : inDoubt) {
            Transaction p = reopened.preparedTransaction(d.globalId());
            if (p == null) {
                throw new AssertionError(d.txn() + " was prepared, and not restored as prepared after the crash");
            }
            if (d.commit()) {
                p.commit();
                d.txn().commitEnd = System.nanoTime();
                d.txn().outcome = Outcome.COMMITTED;
            } else {
                p.abort();
                d.txn().outcome = Outcome.USER_ABORT;
            }
        }
        return new History(new ArrayList<>(txns), finalLists(reopened));
    }

    public Map<Key, List<Long>> finalLists() {
        return finalLists(env);
    }

    /** Each key's list, read in one snapshot (a key never appended to is left out: its list is empty). */
    public Map<Key, List<Long>> finalLists(Environment in) {
        Map<Key, List<Long>> lists = new LinkedHashMap<>();
        try (Transaction t = in.beginTransaction(new TransactionConfig().isolation(IsolationLevel.SNAPSHOT))) {
            for (int d = 0; d < dbs.size(); d++) {
                try (Cursor c = in.openDatabase("h" + d).openCursor(t)) {
                    for (boolean ok = c.first(); ok; ok = c.next()) {
                        lists.put(new Key(d, index(c.key())), parse(c.value()));
                    }
                }
            }
        }
        return lists;
    }

    private static int index(byte[] key) {
        return Integer.parseInt(new String(key, StandardCharsets.US_ASCII).substring(1));
    }

    private static final class AssertionErrorWithCause extends AssertionError {
        AssertionErrorWithCause(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Runs one random transaction. {@code leaveInDoubt}: a writing one that prepares and is left
     * prepared, for the crash to find; returns whether it was.
     */
    private boolean runOne(Random rnd, boolean leaveInDoubt) {
        boolean autoCommit = rnd.nextInt(20) == 0;
        IsolationLevel level = shape.level() != null ? shape.level()
                : autoCommit ? IsolationLevel.READ_COMMITTED : IsolationLevel.values()[rnd.nextInt(3)];
        Txn h = new Txn(txnCount.getAndIncrement(), level);
        txns.add(h);
        if (autoCommit && !leaveInDoubt) {
            autoCommitRead(h, rnd);
            return false;
        }
        TransactionConfig config = new TransactionConfig().isolation(level).lockTimeout(Duration.ofMillis(300));
        if (rnd.nextInt(30) == 0 && !leaveInDoubt) {
            // Rolled back by its timeout in the middle of its work now and then (during a lock wait mostly).
            config.timeout(Duration.ofMillis(1 + rnd.nextInt(3)));
        }
        Transaction t = env.beginTransaction(config);
        h.engineId = t.id();
        boolean handedOver = false;
        try {
            int ops = 1 + rnd.nextInt(5);
            for (int i = 0; i < ops; i++) {
                int choice = rnd.nextInt(100);
                Key k = new Key(rnd.nextInt(dbs.size()), window() * shape.keys() + rnd.nextInt(shape.keys()));
                if (choice < 30) {
                    long start = System.nanoTime();
                    List<Long> seen = parse(dbs.get(k.db()).get(t, key(k.key())));
                    h.add(new Op(Kind.GET, k, seen, 0, false, -1, start, System.nanoTime()));
                } else if (choice < 45) {
                    scan(t, h, k.db(), rnd);
                } else {
                    append(t, h, k, level == IsolationLevel.READ_COMMITTED || rnd.nextDouble() < shape.lockingAppends(), rnd);
                }
            }
            int end = rnd.nextInt(100);
            if (leaveInDoubt && h.writes()) {
                byte[] gid = ("d" + h.index).getBytes(StandardCharsets.US_ASCII);
                h.commitStart = System.nanoTime();
                t.prepare(gid);
                h.prepared = true;
                handedOver = true;
                inDoubt.add(new InDoubt(h, gid, rnd.nextInt(4) != 0));
                return true;
            } else if (leaveInDoubt) {
                t.abort();
                h.outcome = Outcome.USER_ABORT;
            } else if (end < 5) {
                t.abort();
                h.outcome = Outcome.USER_ABORT;
            } else if (h.writes() && rnd.nextDouble() < shape.prepares()) {
                h.commitStart = System.nanoTime();
                t.prepare(("h" + h.index).getBytes(StandardCharsets.US_ASCII));
                h.prepared = true;
                boolean commit = rnd.nextInt(10) != 0;
                handedOver = true;
                completions.add(() -> finishPrepared(t, h, commit));
            } else {
                h.commitStart = System.nanoTime();
                t.commit();
                h.commitEnd = System.nanoTime();
                h.outcome = Outcome.COMMITTED;
            }
        } catch (WriteConflictException e) {
            failed(h, Outcome.WRITE_CONFLICT, e);
        } catch (DeadlockException e) {
            failed(h, Outcome.DEADLOCK, e);
        } catch (LockTimeoutException e) {
            failed(h, Outcome.LOCK_TIMEOUT, e);
        } catch (TransactionTimeoutException e) {
            failed(h, Outcome.TIMEOUT, e);
        } catch (TransactionStateException e) {
            // Rolled back by the timeout between two operations: the next one is refused so.
            if (!String.valueOf(e.getMessage()).contains("past its timeout")) {
                unexpected.add(new AssertionError("T" + h.index + " (engine txn " + h.engineId + ") failed", e));
            }
            failed(h, Outcome.TIMEOUT, e);
        } catch (RuntimeException | Error e) {
            unexpected.add(new AssertionError("T" + h.index + " (engine txn " + h.engineId + ") failed", e));
        } finally {
            if (!handedOver) {
                t.close();
            }
        }
        return false;
    }

    /** A get or a cursor scan without a transaction: one read of the newest committed state. */
    private void autoCommitRead(Txn h, Random rnd) {
        try {
            int d = rnd.nextInt(dbs.size());
            if (rnd.nextBoolean()) {
                int k = window() * shape.keys() + rnd.nextInt(shape.keys());
                long start = System.nanoTime();
                List<Long> seen = parse(dbs.get(d).get(null, key(k)));
                h.add(new Op(Kind.GET, new Key(d, k), seen, 0, false, -1, start, System.nanoTime()));
            } else {
                scan(null, h, d, rnd);
            }
            h.outcome = Outcome.COMMITTED;
        } catch (RuntimeException | Error e) {
            unexpected.add(new AssertionError("auto-commit read T" + h.index + " failed", e));
        }
    }

    private void failed(Txn h, Outcome o, RuntimeException e) {
        h.outcome = o;
        h.failure = e.getMessage();
    }

    private void finishPrepared(Transaction t, Txn h, boolean commit) {
        try {
            if (commit) {
                t.commit();
                h.commitEnd = System.nanoTime();
                h.outcome = Outcome.COMMITTED;
            } else {
                t.abort();
                h.outcome = Outcome.USER_ABORT;
            }
        } catch (RuntimeException | Error e) {
            unexpected.add(new AssertionError("completing prepared T" + h.index + " (engine txn " + h.engineId + ") failed", e));
        }
    }

    private void append(Transaction t, Txn h, Key k, boolean locking, Random rnd) {
        Database db = dbs.get(k.db());
        h.triedWrite = true;
        long start = System.nanoTime();
        byte[] before = locking ? db.getForUpdate(t, key(k.key())) : db.get(t, key(k.key()));
        List<Long> seen = parse(before);
        long element = elements.incrementAndGet();
        String value = before == null || before.length == 0 ? Long.toString(element)
                : new String(before, StandardCharsets.US_ASCII) + "," + element;
        // Recorded before the put: a put that fails (conflict, deadlock) leaves the element unread by anyone.
        h.add(new Op(Kind.APPEND, k, seen, element, locking, -1, start, System.nanoTime()));
        byte[] v = value.getBytes(StandardCharsets.US_ASCII);
        int how = rnd.nextInt(6);
        if (how == 0 && before == null) {
            if (!db.putIfAbsent(t, key(k.key()), v)) {
                throw new AssertionError("T" + h.index + ": putIfAbsent found " + k + ", which it had read as absent");
            }
        } else if (how == 1 && before != null) {
            // The same append through a tombstone in the write set.
            if (!db.delete(t, key(k.key()))) {
                throw new AssertionError("T" + h.index + ": delete found no " + k + ", which it had read as " + seen);
            }
            db.put(t, key(k.key()), v);
        } else {
            db.put(t, key(k.key()), v);
        }
    }

    /** A cursor scan over a random range of one database, forwards or backwards; keys not met read as empty. */
    private void scan(Transaction t, Txn h, int d, Random rnd) {
        int base = window() * shape.keys();
        int from = base + rnd.nextInt(shape.keys());
        int to = from + 1 + rnd.nextInt(base + shape.keys() - from);
        boolean forward = rnd.nextBoolean();
        int id = scans.incrementAndGet();
        long start = System.nanoTime();
        Map<Integer, List<Long>> met = new LinkedHashMap<>();
        try (Cursor c = dbs.get(d).openCursor(t, key(from), rnd.nextInt(4) == 0 ? null : key(to))) {
            for (boolean ok = forward ? c.first() : c.last(); ok; ok = forward ? c.next() : c.prev()) {
                int k = index(c.key());
                if (k >= to) {
                    // A scan without an end bound goes on past the keys it records.
                    if (forward) {
                        break;
                    }
                    continue;
                }
                if (met.put(k, parse(c.value())) != null) {
                    throw new AssertionError("scan#" + id + " of T" + h.index + " met key " + k + " twice");
                }
            }
        }
        long end = System.nanoTime();
        for (int k = from; k < to; k++) {
            h.add(new Op(Kind.SCAN, new Key(d, k), met.getOrDefault(k, List.of()), 0, false, id, start, end));
        }
        for (int k : met.keySet()) {
            if (k < from || k >= to) {
                throw new AssertionError("scan#" + id + " of T" + h.index + " over [" + from + ", " + to + ") met key " + k);
            }
        }
    }

    /**
     * The window of keys in use: every {@value #APPENDS_PER_WINDOW} appends the run moves on to the
     * next {@code keys} keys of each database, so that lists (and the history) stay small however
     * long it runs, while the contention stays that of {@code keys} keys.
     */
    private int window() {
        return (int) (elements.get() / APPENDS_PER_WINDOW);
    }

    private static final int APPENDS_PER_WINDOW = 600;

    static byte[] key(int k) {
        return String.format("k%05d", k).getBytes(StandardCharsets.US_ASCII);
    }

    static List<Long> parse(byte[] value) {
        if (value == null || value.length == 0) {
            return List.of();
        }
        List<Long> list = new ArrayList<>();
        for (String s : new String(value, StandardCharsets.US_ASCII).split(",")) {
            list.add(Long.parseLong(s));
        }
        return list;
    }
}
