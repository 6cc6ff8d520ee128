package org.cairndb.procedures;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.KeyedCommits;
import org.cairndb.TestSupport;
import org.cairndb.Transaction;
import org.cairndb.archive.LogArchive;
import org.cairndb.backup.BackupOptions;
import org.cairndb.backup.Failover;
import org.cairndb.backup.HotBackup;
import org.cairndb.crash.Bank;
import org.cairndb.crash.BankWorkload;
import org.cairndb.log.SegmentFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The administrator's procedures racing each other and the writers, through the public API: two
 * threads run SYNC bank transfers ({@link BankWorkload}) and one commits named keys
 * ({@link KeyedCommits}), while three administrator threads run, in a seeded random order with
 * seeded pauses, checkpoints, archive listings and removals, hot backups into fresh directories,
 * updates of one backup, failover updates of two copies, and the creation, use and removal of
 * databases of a few shared names (with backups with and without recovery, flat and split, some
 * checkpointing first, some rate-limited); continuous archiving (on in most runs) copies 64 KiB segments that roll
 * every few dozen commits, and automatic log removal is on in some runs. A closer thread closes
 * the environment once a seeded share of the procedures is done, so that the last ones race the
 * close.
 *
 * <p>After each run: every procedure either succeeded or was refused for a reason it names (the
 * environment is closed; a database another administrator removed or wrote to; without an
 * archive, segments an update needs removed between two updates); no thread is left running past its deadline; the archive never lacks a
 * segment listed as archivable; continuous archiving counted no failure; every backup and every
 * state a failover or backup update left (copied aside right after it) recovers catastrophically
 * in its own directory to a bank whose balances agree with its history and that holds every
 * transfer and key acknowledged before that procedure began; the source reopens with every
 * acknowledged commit; and no temporary file ({@code *.copying}, {@code *.tmp}, a segment kept
 * aside by an assembly) is left anywhere but the next segment prepared ahead in the home's log.
 *
 * <p>Each test run covers {@code cairn.procedures.rounds} runs (default 15) from one printed seed;
 * to hunt, run many: {@code -Dcairn.procedures.rounds=200}.
 */
class AdminChaosTest {

    private static final int ACCOUNTS = 20;
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @TempDir
    Path root;

    @Test
    void adminProceduresRacingEachOtherAndTheWritersLoseNothing() throws Exception {
        long seed = Seeds.seed("adminProceduresRacingEachOtherAndTheWritersLoseNothing");
        int runs = Seeds.rounds(15);
        for (int run = 0; run < runs; run++) {
            Path dir = root.resolve("run-" + run);
            new Run(dir, seed + run).go();
            TestSupport.deleteTree(dir);
        }
    }

    /** What must be in a copy: the transfers and keys acknowledged before the procedure that made it began. */
    private record Expected(Path copy, String what, Set<String> transfers, Set<String> keys) {
    }

    /** One run: its own home, archive, copies and threads. */
    private static final class Run {
        private final Path dir;
        private final long seed;
        private final Path home;
        private final Path archive;
        private final EnvironmentConfig config;
        private final boolean archiving;
        private final Queue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
        private final Queue<Expected> copies = new ConcurrentLinkedQueue<>();
        private final Set<String> keysAcked = new ConcurrentSkipListSet<>();
        private final Map<String, AtomicInteger> done = new ConcurrentHashMap<>();
        private final AtomicBoolean closeBegun = new AtomicBoolean();
        private final AtomicInteger proceduresDone = new AtomicInteger();
        private final AtomicInteger names = new AtomicInteger();
        private final ReentrantLock updatedLock = new ReentrantLock();
        private final ReentrantLock[] failoverLocks = {new ReentrantLock(), new ReentrantLock()};
        private BankWorkload bank;

        Run(Path dir, long seed) {
            this.dir = dir;
            this.seed = seed;
            this.home = dir.resolve("env");
            this.archive = dir.resolve("archive");
            Random r = new Random(seed);
            this.archiving = r.nextInt(4) != 0;
            this.config = new EnvironmentConfig().cacheSize(4L << 20).logSegmentSize(64 << 10)
                    .checkpointKBytes(32 + r.nextInt(256)).pageReuseDelay(r.nextBoolean() ? Duration.ZERO : Duration.ofMillis(5))
                    .lockTimeout(Duration.ofSeconds(5)).archiveEnabled(archiving).archiveDir(archive)
                    .logAutoRemove(r.nextInt(3) == 0);
        }

        private String context() {
            return "seed " + seed + " (archiving " + archiving + ", automatic removal " + config.logAutoRemove() + ")";
        }

        void go() throws Exception {
            Random r = new Random(seed);
            Environment env = Environment.open(home, config);
            Bank.create(env, ACCOUNTS);
            env.openDatabase("t");
            bank = new BankWorkload(env, ACCOUNTS, "r", Durability.SYNC).start(2, seed, 0);
            List<Thread> threads = new ArrayList<>();
            threads.add(thread("keys", () -> commitKeys(env)));
            int perAdmin = 5 + r.nextInt(6);
            int total = 3 * perAdmin;
            int closeAfter = total / 2 + r.nextInt(total / 2 + 1);
            for (int a = 0; a < 3; a++) {
                Random ar = new Random(seed * 1_000_003 + a);
                threads.add(thread("admin-" + a, () -> {
                    for (int i = 0; i < perAdmin; i++) {
                        LockSupport.parkNanos(ar.nextInt(4_000_000));
                        procedure(env, ar);
                        proceduresDone.incrementAndGet();
                    }
                }));
            }
            threads.add(thread("closer", () -> {
                long deadline = System.nanoTime() + DEADLINE.toNanos();
                while (proceduresDone.get() < closeAfter && System.nanoTime() < deadline) {
                    LockSupport.parkNanos(200_000); // waits for a condition, checked every 0.2 ms
                }
                checkArchiveStatus(env);
                closeBegun.set(true);
                env.close();
                count("close");
            }));
            threads.forEach(Thread::start);
            join(threads);
            bank.stopAndJoin(DEADLINE);
            for (Throwable t : bank.failures()) {
                classify(t, "a transfer");
            }
            env.close(); // closed already, unless the closer failed
            if (!unexpected.isEmpty()) {
                Throwable first = unexpected.peek();
                AssertionError e = new AssertionError(unexpected.size() + " unexpected failures, " + context() + "; the first: "
                        + first, first);
                unexpected.stream().skip(1).limit(5).forEach(e::addSuppressed);
                throw e;
            }
            checkNoTemporaryFiles(dir); // before the checks below open the copies, each preparing its next segment
            checkSource();
            for (Expected c : copies) {
                checkCopy(c);
            }
            System.out.println("[admin-chaos] " + context() + ": " + bank.acked() + " transfers, " + keysAcked.size()
                    + " keys, " + copies.size() + " copies checked; " + new TreeMap<>(done));
        }

        private Thread thread(String name, ThrowingRunnable body) {
            Thread t = new Thread(() -> {
                try {
                    body.run();
                } catch (Throwable e) {
                    unexpected.add(e);
                }
            }, "admin-chaos-" + name);
            t.setDaemon(true);
            return t;
        }

        private void join(List<Thread> threads) throws InterruptedException {
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            for (Thread t : threads) {
                t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                if (t.isAlive()) {
                    StringBuilder stacks = new StringBuilder();
                    Thread.getAllStackTraces().forEach((th, st) -> {
                        if (th.getName().startsWith("admin-chaos") || th.getName().startsWith("bank-")
                                || th.getName().startsWith("cairn-")) {
                            stacks.append("\n").append(th.getName()).append(": ").append(java.util.Arrays.toString(st));
                        }
                    });
                    throw new AssertionError(t.getName() + " did not end within " + DEADLINE + ", " + context() + stacks);
                }
            }
        }

        private void commitKeys(Environment env) {
            for (int i = 0; ; i++) {
                try {
                    KeyedCommits.commit(env, "k", i, i + 1);
                } catch (RuntimeException e) {
                    classify(e, "a keyed commit");
                    return;
                }
                keysAcked.add("k" + i);
            }
        }

        /** One procedure, chosen by {@code r}; a refusal it may meet is counted, anything else is kept as unexpected. */
        private void procedure(Environment env, Random r) {
            int op = r.nextInt(100);
            String what = "?";
            try {
                if (op < 20) {
                    what = "checkpoint";
                    env.checkpoint(r.nextBoolean());
                } else if (op < 30) {
                    what = "archive listing";
                    checkListing(env);
                } else if (op < 40) {
                    what = "archive removal";
                    env.internals().logArchive().removeArchivable();
                } else if (op < 55) {
                    what = "hot backup";
                    Path target = dir.resolve("backup-" + names.incrementAndGet());
                    Expected before = expected(target, what);
                    HotBackup.run(env.internals(), target, BackupOptions.defaults().withSplitLayout(r.nextBoolean())
                            .withCheckpointFirst(r.nextInt(3) == 0).withRecover(r.nextInt(4) != 0)
                            .withMaxRate(r.nextInt(4) == 0 ? 16 : 0));
                    copies.add(before);
                } else if (op < 67) {
                    what = "backup update";
                    updateAndKeep(env, dir.resolve("updated"), updatedLock, what, r, false);
                } else if (op < 80) {
                    what = "failover update";
                    int copy = r.nextInt(failoverLocks.length); // two copies: their updates may run at once
                    updateAndKeep(env, dir.resolve("failover-" + copy), failoverLocks[copy], what, r, true);
                } else {
                    // Names shared by the administrators: one may remove the database another writes to.
                    what = "database create and remove";
                    String name = "scratch-" + r.nextInt(3);
                    Database db = env.openDatabase(name);
                    try (Transaction t = env.beginTransaction()) {
                        for (int i = 0; i < 1 + r.nextInt(40); i++) {
                            db.put(t, ("s" + i).getBytes(), new byte[r.nextInt(2000)]);
                        }
                        t.commit();
                    }
                    if (r.nextBoolean()) {
                        env.checkpoint(false);
                    }
                    env.removeDatabase(name);
                }
                count(what);
            } catch (Throwable e) {
                classify(e, what);
            }
        }

        private void updateAndKeep(Environment env, Path target, ReentrantLock lock, String what, Random r, boolean failover)
                throws IOException {
            lock.lock(); // one update of a copy at a time: each state it leaves is copied aside before the next
            try {
                Expected before = expected(null, what);
                if (failover) {
                    Failover.update(env.internals(), target, BackupOptions.defaults());
                } else {
                    boolean exists = Files.exists(target.resolve("backup.manifest"));
                    HotBackup.run(env.internals(), target, BackupOptions.defaults().withUpdate(exists)
                            .withSplitLayout(r.nextBoolean()));
                }
                Path aside = dir.resolve(target.getFileName() + "-" + names.incrementAndGet());
                TestSupport.copyTree(target, aside);
                copies.add(new Expected(aside, what + " (" + aside.getFileName() + ")", before.transfers(), before.keys()));
            } finally {
                lock.unlock();
            }
        }

        private Expected expected(Path copy, String what) {
            return new Expected(copy, what + (copy == null ? "" : " (" + copy.getFileName() + ")"),
                    new TreeSet<>(bank.ackedIds()), new TreeSet<>(keysAcked));
        }

        /** Every segment listed as archivable is in the archive already when archiving is on. */
        private void checkListing(Environment env) throws IOException {
            LogArchive la = env.internals().logArchive();
            for (Path p : la.archivable()) {
                if (archiving && !Files.exists(archive.resolve(p.getFileName()))) {
                    throw new AssertionError(p.getFileName() + " is listed as archivable but is not in the archive " + archive);
                }
            }
            List<LogArchive.SegmentStatus> all = la.segments();
            for (int i = 1; i < all.size(); i++) {
                if (all.get(i).archivable() && !all.get(i - 1).archivable()) {
                    throw new AssertionError("segment " + all.get(i).segment() + " is archivable after "
                            + all.get(i - 1).segment() + ", which is kept: " + all.get(i - 1).reasons());
                }
            }
        }

        private void checkArchiveStatus(Environment env) {
            if (archiving) {
                org.cairndb.ArchiveStatus s = env.stats().archive();
                if (s.failures() != 0) {
                    unexpected.add(new AssertionError("continuous archiving failed " + s.failures() + " times: " + s.lastError()));
                }
            }
        }

        private void count(String what) {
            done.computeIfAbsent(what, k -> new AtomicInteger()).incrementAndGet();
        }

        /**
         * A refusal because the environment is closed, or a copy stopped by the close, once the close began, or (without an archive)
         * because log removal took segments an update needs, is expected; anything else is not.
         */
        private void classify(Throwable e, String what) {
            String m = String.valueOf(e.getMessage());
            if (closeBegun.get() && e instanceof IllegalStateException && m.contains(home.toString()) && m.contains("is closed")) {
                count(what + " refused: closed");
                return;
            }
            if (closeBegun.get() && e instanceof IllegalStateException && m.contains(home.toString())
                    && m.contains("was closed while it copied") && m.contains("stopped unfinished")) {
                // A copy still running when the close began stops, so that the close can let the home go.
                count(what + " stopped: closed");
                return;
            }
            if (what.startsWith("database") && (e instanceof org.cairndb.DatabaseNotFoundException
                    || e instanceof org.cairndb.TransactionException
                    || m.contains("an unfinished transaction has written to it"))) {
                // Another administrator removed it first, or removed it under this one's transaction,
                // or this removal met that one's transaction: the refusals the API promises.
                count(what + " refused: " + e.getClass().getSimpleName());
                return;
            }
            if (!archiving && e instanceof org.cairndb.CairnException && m.contains("is needed by the backup in")
                    && (m.contains("; nothing was changed;") || m.contains("; the copy's files were not changed;"))) {
                // Without an archive, log removal between two updates of a copy may take segments the
                // next one needs: it is refused before it changes anything, naming them.
                count(what + " refused: segments removed");
                return;
            }
            unexpected.add(new AssertionError(what + " failed: " + e, e));
        }

        private void checkSource() {
            try (Environment env = Environment.open(home, config.copy().archiveEnabled(false).logAutoRemove(false))) {
                Bank.verify(env, ACCOUNTS, bank.ackedIds(), "the source reopened, " + context());
                checkKeys(env, keysAcked, "the source reopened");
            }
        }

        private void checkCopy(Expected c) {
            EnvironmentConfig restore = new EnvironmentConfig().cacheSize(8L << 20).catastrophicRecovery(true)
                    .allowCreate(false);
            try (Environment env = Environment.open(c.copy(), restore)) {
                Bank.verify(env, ACCOUNTS, c.transfers(), c.what() + " recovered catastrophically, " + context());
                checkKeys(env, c.keys(), c.what() + " recovered catastrophically");
            }
        }

        private void checkKeys(Environment env, Set<String> mustHave, String what) {
            TreeSet<String> missing = new TreeSet<>(mustHave);
            missing.removeAll(KeyedCommits.keys(env));
            if (!missing.isEmpty()) {
                throw new AssertionError(what + ": " + missing.size() + " acknowledged keys missing (e.g. "
                        + missing.stream().limit(5).toList() + "), " + context());
            }
        }

        /** No copy under a temporary name anywhere; the home's log may hold the next segment prepared ahead. */
        private void checkNoTemporaryFiles(Path under) throws IOException {
            List<Path> left = new ArrayList<>();
            try (Stream<Path> s = Files.walk(under)) {
                s.filter(Files::isRegularFile).forEach(p -> {
                    String n = p.getFileName().toString();
                    boolean temporary = n.endsWith(".copying") || n.endsWith(".tmp") || n.endsWith(".before-assembly");
                    if (temporary && !p.equals(home.resolve("log").resolve(SegmentFiles.PREALLOCATED))) {
                        left.add(under.relativize(p));
                    }
                });
            }
            assertTrue(left.isEmpty(), "temporary files left behind: " + left + ", " + context());
        }
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }
}
