package org.cairndb.format;

import static org.cairndb.TestSupport.b;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.cairndb.CheckpointResult;
import org.cairndb.Cursor;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.IsolationLevel;
import org.cairndb.Transaction;
import org.cairndb.TransactionConfig;
import org.cairndb.backup.BackupOptions;
import org.cairndb.backup.HotBackup;
import org.cairndb.format.DocumentedTree.Key;

/**
 * Everything the formats document has a field for, done through the public API, with what was done
 * written down so that the decoded files can be held against it: databases created (one with a
 * non-ASCII name) and one removed, commits over several small log segments, aborts before and after
 * prepare, a commit of a prepared transaction that locked a key it did not write and scanned a range,
 * one left in doubt across a hot backup and a reopen and then committed heuristically, another rolled
 * back heuristically, a heuristic outcome forgotten, values long enough for overflow pages and one
 * larger than a log segment, checkpoints, archiving.
 */
final class ConformanceWorkload {

    static final int SEGMENT_SIZE = 64 << 10;
    static final int PAGE_SIZE = 8192;
    static final int WIDE_PAGE_SIZE = 65536;
    static final String TALL = "tall", EMPTY = "empty", WIDE = "wide";
    static final String ACCOUNTS = "accounts", HISTORY = "history", UNICODE = "Values.of_every-size" + "x".repeat(80), SCRATCH = "scratch";
    static final byte[] GID_COMMITTED = b("gid-committed"), GID_ABORTED = b("gid-aborted"), GID_IN_DOUBT = b("gid-in-doubt"),
            GID_ROLLED_BACK = b("gid-heuristic-rollback"), GID_FULL_SCAN = b("gid-full-scan");
    static final byte[] LOCKED_KEY = b("acct-0007"), READ_KEY = b("acct-0002");
    static final byte[] RANGE_FROM = b("acct-0010"), RANGE_TO = b("acct-0020");

    final Path home;
    final Path archive;
    final Path backup;
    /** A split-layout backup, not recovered. */
    final Path split;
    /** A flat backup taken in the first session and updated in the second. */
    final Path updated;
    String updatedManifestBefore;
    /** log/log.next.tmp while the environment was open, if it was there. */
    byte[] nextSegmentWhileOpen;
    final long startMillis = System.currentTimeMillis();
    long endMillis;
    final Map<String, TreeMap<Key, byte[]>> model = new LinkedHashMap<>();
    /** Transactions that committed writes, in commit order, with the last value written per (database, key). */
    final Map<Long, Map<String, byte[]>> commits = new LinkedHashMap<>();
    final List<Long> abortedWithoutPrepare = new ArrayList<>();
    final Map<String, Long> preparedTxn = new HashMap<>();
    final List<CheckpointResult> checkpoints = new ArrayList<>();
    String lockFileWhileOpen;
    String lockFileAfterClose;
    /** The databases' contents when the hot backup began (nothing commits while it runs). */
    final Map<String, TreeMap<Key, byte[]>> modelAtBackup = new LinkedHashMap<>();
    /** The backup's cairn.lock as each phase of the backup reported progress. */
    final Map<String, String> backupLockFile = new LinkedHashMap<>();
    long largestValue;

    private final Random random = new Random(20261203L);

    ConformanceWorkload(Path dir) {
        this.home = dir.resolve("home");
        this.archive = dir.resolve("archive");
        this.backup = dir.resolve("backup");
        this.split = dir.resolve("split");
        this.updated = dir.resolve("updated");
    }

    EnvironmentConfig config() {
        return new EnvironmentConfig().cacheSize(16L << 20).checkpointerEnabled(false).lockTimeout(Duration.ofSeconds(2))
                .pageReuseDelay(Duration.ZERO).logSegmentSize(SEGMENT_SIZE).pageSize(PAGE_SIZE)
                .archiveEnabled(true).archiveDir(archive);
    }

    ConformanceWorkload run() throws IOException {
        try (Environment env = Environment.open(home, config())) {
            lockFileWhileOpen = Files.readString(home.resolve("cairn.lock"), StandardCharsets.UTF_8);
            Database accounts = create(env, ACCOUNTS);
            Database history = create(env, HISTORY);
            Database unicode = create(env, UNICODE);
            Database scratch = create(env, SCRATCH);
            commit(env, scratch, b("gone"), b("soon"));
            for (int i = 0; i < 600; i++) {
                commit(env, accounts, b(String.format("acct-%04d", i % 300)), randomBytes(20 + random.nextInt(180)));
                if (i % 3 == 0) {
                    commit(env, history, b(String.format("h-%06d", i)), randomBytes(40));
                }
            }
            checkpoints.add(env.checkpoint(true));
            commit(env, unicode, b("overflow"), randomBytes(3 * PAGE_SIZE + 100));
            commit(env, unicode, b("larger-than-a-segment"), randomBytes(SEGMENT_SIZE + 5000));
            commit(env, unicode, b("empty"), new byte[0]);
            Database tall = create(env, TALL);
            for (int i = 0; i < 40; i++) {
                byte[] key = new byte[Database.MAX_KEY_SIZE];
                // Alike but for the last byte, which is above 0x7F (ordered as unsigned bytes): the
                // shortest separator between two of them is a whole key, so the branches hold
                // maximal separators and the tree grows tall.
                Arrays.fill(key, (byte) 0x80);
                key[key.length - 1] = (byte) (0x80 + i);
                commit(env, tall, key, b("v" + i));
            }
            commit(env, tall, b("a"), b("prefix of every longer key"));
            commit(env, tall, b("ab"), b("after its prefix"));
            for (int i = 0; i < 24; i++) {
                commit(env, history, b(String.format("q-%02d", i)), randomBytes(PAGE_SIZE / 4 - 12 + i));
            }
            create(env, EMPTY);
            deleteSome(env, accounts);
            abortOne(env, accounts);
            env.removeDatabase(SCRATCH);
            model.remove(SCRATCH);
            checkpoints.add(env.checkpoint(true));
            prepareAndCommit(env, accounts);
            prepareAndAbort(env, accounts);
            prepareAfterFullScan(env, history);
            prepare(env, history, GID_IN_DOUBT, b("in-doubt"));
            prepare(env, history, GID_ROLLED_BACK, b("rolled-back"));
            for (int i = 0; i < 100; i++) {
                commit(env, history, b(String.format("late-%04d", i)), randomBytes(100));
            }
            model.forEach((name, contents) -> modelAtBackup.put(name, new TreeMap<>(contents)));
            HotBackup.run(env.internals(), backup, BackupOptions.defaults().withProgress(p -> {
                try {
                    backupLockFile.put(p.phase(), Files.readString(backup.resolve("cairn.lock"), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    backupLockFile.put(p.phase(), e.toString());
                }
            }));
            HotBackup.run(env.internals(), split, BackupOptions.defaults().withSplitLayout(true).withRecover(false));
            HotBackup.run(env.internals(), updated, BackupOptions.defaults().withCheckpointFirst(true));
            updatedManifestBefore = Files.readString(updated.resolve("backup.manifest"));
            checkpoints.add(env.checkpoint(true));
        }
        lockFileAfterClose = Files.readString(home.resolve("cairn.lock"), StandardCharsets.UTF_8);
        try (Environment env = Environment.open(home, config().pageSize(WIDE_PAGE_SIZE))) {
            Database wide = create(env, WIDE);
            for (int i = 0; i < 3000; i++) {
                commit(env, wide, b(String.format("w-%05d", i)), randomBytes(i % 97));
            }
            Path next = home.resolve("log/log.next.tmp");
            nextSegmentWhileOpen = Files.exists(next) ? Files.readAllBytes(next) : null;
            Transaction inDoubt = env.preparedTransaction(GID_IN_DOUBT);
            inDoubt.heuristicCommit();
            commits.put(inDoubt.id(), pending.remove(inDoubt.id()));
            applyToModel(inDoubt.id());
            env.preparedTransaction(GID_ROLLED_BACK).heuristicRollback();
            checkpoints.add(env.checkpoint(true));
            env.forgetHeuristic(GID_ROLLED_BACK);
            commit(env, env.openDatabase(ACCOUNTS), b("after-forget"), b("x"));
            checkpoints.add(env.checkpoint(true));
            HotBackup.run(env.internals(), updated, BackupOptions.defaults().withUpdate(true));
            awaitArchived(env);
        }
        endMillis = System.currentTimeMillis();
        return this;
    }

    private final Map<Long, Map<String, byte[]>> pending = new HashMap<>();

    private Database create(Environment env, String name) {
        model.put(name, new TreeMap<>());
        return env.openDatabase(name, true);
    }

    private void commit(Environment env, Database db, byte[] key, byte[] value) {
        try (Transaction t = env.beginTransaction()) {
            db.put(t, key, value);
            t.commit();
            record(t.id(), db.name(), key, value);
            applyToModel(t.id());
        }
        largestValue = Math.max(largestValue, value.length);
    }

    private void deleteSome(Environment env, Database accounts) {
        try (Transaction t = env.beginTransaction()) {
            for (int i = 0; i < 300; i += 7) {
                byte[] key = b(String.format("acct-%04d", i));
                accounts.delete(t, key);
                record(t.id(), ACCOUNTS, key, null);
            }
            byte[] key = b("acct-0001");
            accounts.put(t, key, b("first"));
            accounts.put(t, key, b("second"));
            record(t.id(), ACCOUNTS, key, b("second"));
            t.commit();
            applyToModel(t.id());
        }
    }

    private void abortOne(Environment env, Database accounts) {
        try (Transaction t = env.beginTransaction()) {
            accounts.put(t, b("never"), b("written"));
            t.abort();
            abortedWithoutPrepare.add(t.id());
        }
    }

    /** A SERIALIZABLE transaction that reads a key for update and scans a range, prepared, then committed. */
    private void prepareAndCommit(Environment env, Database accounts) {
        Transaction t = env.beginTransaction(new TransactionConfig().isolation(IsolationLevel.SERIALIZABLE));
        accounts.getForUpdate(t, LOCKED_KEY);
        accounts.get(t, READ_KEY);
        try (Cursor c = accounts.openCursor(t, RANGE_FROM, RANGE_TO)) {
            for (boolean ok = c.first(); ok; ok = c.next()) {
                c.key();
            }
        }
        accounts.put(t, b("prepared-commit"), b("yes"));
        record(t.id(), ACCOUNTS, b("prepared-commit"), b("yes"));
        t.prepare(GID_COMMITTED);
        preparedTxn.put("committed", t.id());
        t.commit();
        commits.put(t.id(), pending.remove(t.id()));
        applyToModel(t.id());
    }

    /** A SERIALIZABLE transaction that scanned a whole database: a range open at both ends. */
    private void prepareAfterFullScan(Environment env, Database db) {
        Transaction t = env.beginTransaction(new TransactionConfig().isolation(IsolationLevel.SERIALIZABLE));
        try (Cursor c = db.openCursor(t)) {
            for (boolean ok = c.first(); ok; ok = c.next()) {
                c.key();
            }
        }
        db.put(t, b("after-full-scan"), b("z"));
        record(t.id(), db.name(), b("after-full-scan"), b("z"));
        t.prepare(GID_FULL_SCAN);
        preparedTxn.put("full-scan", t.id());
        t.commit();
        commits.put(t.id(), pending.remove(t.id()));
        applyToModel(t.id());
    }

    private void prepareAndAbort(Environment env, Database accounts) {
        Transaction t = env.beginTransaction();
        accounts.put(t, b("prepared-abort"), b("no"));
        t.prepare(GID_ABORTED);
        preparedTxn.put("aborted", t.id());
        t.abort();
    }

    private void prepare(Environment env, Database db, byte[] gid, byte[] key) {
        Transaction t = env.beginTransaction();
        db.put(t, key, b("value"));
        Map<String, byte[]> w = new LinkedHashMap<>();
        w.put(db.name() + "\0" + new String(key, StandardCharsets.ISO_8859_1), b("value"));
        pending.put(t.id(), w);
        t.prepare(gid);
        preparedTxn.put(new String(gid, StandardCharsets.UTF_8), t.id());
    }

    private void record(long txn, String db, byte[] key, byte[] value) {
        pending.computeIfAbsent(txn, k -> new LinkedHashMap<>())
                .put(db + "\0" + new String(key, StandardCharsets.ISO_8859_1), value);
    }

    private void applyToModel(long txn) {
        Map<String, byte[]> writes = pending.containsKey(txn) ? pending.remove(txn) : commits.get(txn);
        commits.put(txn, writes);
        for (Map.Entry<String, byte[]> w : writes.entrySet()) {
            int cut = w.getKey().indexOf('\0');
            TreeMap<Key, byte[]> db = model.get(w.getKey().substring(0, cut));
            if (db == null) {
                continue;
            }
            Key key = new Key(w.getKey().substring(cut + 1).getBytes(StandardCharsets.ISO_8859_1));
            if (w.getValue() == null) {
                db.remove(key);
            } else {
                db.put(key, w.getValue());
            }
        }
    }

    private byte[] randomBytes(int n) {
        byte[] v = new byte[n];
        random.nextBytes(v);
        return v;
    }

    private static void awaitArchived(Environment env) {
        try {
            org.cairndb.TestSupport.awaitArchived(env);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
