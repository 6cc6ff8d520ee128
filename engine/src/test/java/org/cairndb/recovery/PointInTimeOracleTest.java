package org.cairndb.recovery;

import static org.cairndb.TestSupport.b;
import static org.cairndb.TestSupport.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.cairndb.Cursor;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.PreparedTransaction;
import org.cairndb.RecoveryTarget;
import org.cairndb.TestSupport;
import org.cairndb.Transaction;
import org.cairndb.backup.BackupOptions;
import org.cairndb.backup.HotBackup;
import org.cairndb.io.NioFileIO;
import org.cairndb.log.AbortRecord;
import org.cairndb.log.CommitRecord;
import org.cairndb.log.DatabaseCreateRecord;
import org.cairndb.log.DatabaseRemoveRecord;
import org.cairndb.log.LogRecord;
import org.cairndb.log.LogScanner;
import org.cairndb.log.Lsn;
import org.cairndb.log.PrepareRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model-checked point-in-time recovery: a seeded workload over several databases (multi-key
 * commits, aborts, two-phase transactions prepared and later committed or rolled back, databases
 * created and removed, checkpoints, small segments archived and removed from the log) keeps a model
 * of what was committed and what was in doubt after every step. A backup taken part way, the
 * archive and the log are then recovered to many targets of every kind, inclusive and exclusive,
 * and each recovered environment must hold exactly the model at its target, and go on from there.
 *
 * <p>For a longer hunt: {@code -Dpitr.seeds=1,2,3 -Dpitr.checks=40 -Dpitr.steps=600} (odd seeds
 * take a flat backup, even ones a split one).
 */
class PointInTimeOracleTest {

    @TempDir
    Path dir;

    /** The model after one step: committed contents by database, and the global ids in doubt. */
    record State(Map<String, TreeMap<String, String>> dbs, Set<String> prepared, Map<String, Boolean> heuristics) {
        State copy() {
            Map<String, TreeMap<String, String>> d = new TreeMap<>();
            dbs.forEach((k, v) -> d.put(k, new TreeMap<>(v)));
            return new State(d, new TreeSet<>(prepared), new TreeMap<>(heuristics));
        }
    }

    private static State empty() {
        return new State(new TreeMap<>(), new TreeSet<>(), new TreeMap<>());
    }

    /** One step of the workload: the log range it appended to, and the model after it. */
    static final class Step {
        final String what;
        final long before;
        final long after;
        final State state;
        long txnId = -1; // a commit's transaction
        long recordLsn = Lsn.NULL; // the timed record it appended, if any
        long recordEnd = Lsn.NULL;
        long millis = -1;

        Step(String what, long before, long after, State state) {
            this.what = what;
            this.before = before;
            this.after = after;
            this.state = state;
        }

        @Override
        public String toString() {
            return what + " [" + Lsn.toString(before) + ", " + Lsn.toString(after) + ") record " + Lsn.toString(recordLsn)
                    + " txn " + txnId + " at " + millis;
        }
    }

    private static EnvironmentConfig config(Path archive) {
        return TestSupport.config().logSegmentSize(64 << 10).archiveEnabled(true).archiveDir(archive).logAutoRemove(true);
    }

    private static final List<String> NAMES = List.of("a", "b", "c", "d", "e");

    private final List<Step> steps = new ArrayList<>();

    interface StepHook {
        void accept(Environment env, int step) throws Exception;
    }

    /** Run after every step of the workload (failover and backup updates), or null. */
    private StepHook afterStep;
    private int backupStep;

    private void workload(Path home, Path archive, Path backup, long seed, int count) throws Exception {
        Random rnd = new Random(seed);
        State model = empty();
        Map<String, Transaction> prepared = new HashMap<>();
        Map<String, Set<String>> preparedKeys = new HashMap<>(); // gid -> "db/key"
        Map<String, TreeMap<String, String>> preparedWrites = new HashMap<>(); // gid -> "db/key" -> value or null
        try (Environment env = Environment.open(home, config(archive))) {
            for (int i = 0; i < count; i++) {
                if (i == count / 5) {
                    backupStep = steps.size();
                    // Odd seeds take a flat backup (data files and segments side by side), even ones a split one.
                    HotBackup.run(env.internals(), backup, BackupOptions.defaults().withSplitLayout(seed % 2 == 0)
                            .withRecover(false));
                }
                Set<String> locked = new HashSet<>();
                preparedKeys.values().forEach(locked::addAll);
                long before = env.internals().log().endLsn();
                int r = rnd.nextInt(100);
                String what;
                long txnId = -1;
                if (model.dbs().isEmpty() || (r < 6 && model.dbs().size() < NAMES.size())) {
                    List<String> absent = NAMES.stream().filter(n -> !model.dbs().containsKey(n)).toList();
                    String name = absent.get(rnd.nextInt(absent.size()));
                    env.openDatabase(name);
                    model.dbs().put(name, new TreeMap<>());
                    what = "create " + name;
                } else if (r < 10 && model.dbs().size() > 1) {
                    List<String> free = model.dbs().keySet().stream()
                            .filter(n -> locked.stream().noneMatch(k -> k.startsWith(n + "/"))).toList();
                    if (free.isEmpty()) {
                        what = "nothing";
                    } else {
                        String name = free.get(rnd.nextInt(free.size()));
                        env.removeDatabase(name);
                        model.dbs().remove(name);
                        what = "remove " + name;
                    }
                } else if (r < 14) {
                    env.checkpoint(true);
                    what = "checkpoint";
                } else if (r < 17) {
                    long now = System.currentTimeMillis();
                    TestSupport.awaitTrue(() -> System.currentTimeMillis() > now, "the clock to move on");
                    what = "tick";
                } else if (r < 25 && prepared.size() < 3) {
                    String gid = "g" + i;
                    Transaction t = env.beginTransaction();
                    TreeMap<String, String> writes = new TreeMap<>();
                    writeSome(env, t, model, locked, rnd, writes, i);
                    if (writes.isEmpty()) {
                        t.abort();
                        what = "nothing";
                    } else {
                        t.prepare(b(gid));
                        prepared.put(gid, t);
                        preparedKeys.put(gid, writes.keySet());
                        preparedWrites.put(gid, writes);
                        model.prepared().add(gid);
                        what = "prepare " + gid + " txn " + t.id();
                    }
                } else if (r < 33 && !prepared.isEmpty()) {
                    List<String> gids = new ArrayList<>(new TreeSet<>(prepared.keySet()));
                    String gid = gids.get(rnd.nextInt(gids.size()));
                    Transaction t = prepared.remove(gid);
                    preparedKeys.remove(gid);
                    TreeMap<String, String> writes = preparedWrites.remove(gid);
                    model.prepared().remove(gid);
                    int how = rnd.nextInt(4);
                    if (how == 0) {
                        t.commit();
                        txnId = t.id();
                        apply(model, writes);
                        what = "commit prepared " + gid;
                    } else if (how == 1) {
                        t.abort();
                        what = "roll back prepared " + gid;
                    } else if (how == 2) {
                        t.heuristicCommit();
                        txnId = t.id();
                        apply(model, writes);
                        model.heuristics().put(gid, true);
                        what = "heuristic commit " + gid;
                    } else {
                        t.heuristicRollback();
                        model.heuristics().put(gid, false);
                        what = "heuristic rollback " + gid;
                    }
                } else if (r < 36 && !model.heuristics().isEmpty()) {
                    List<String> gids = new ArrayList<>(model.heuristics().keySet());
                    String gid = gids.get(rnd.nextInt(gids.size()));
                    assertTrue(env.forgetHeuristic(b(gid)));
                    model.heuristics().remove(gid);
                    what = "forget " + gid;
                } else {
                    Transaction t = env.beginTransaction();
                    TreeMap<String, String> writes = new TreeMap<>();
                    writeSome(env, t, model, locked, rnd, writes, i);
                    if (r < 40) {
                        t.abort();
                        what = "abort";
                    } else {
                        t.commit();
                        apply(model, writes);
                        txnId = writes.isEmpty() ? -1 : t.id();
                        what = "commit";
                    }
                }
                Step st = new Step(what, before, env.internals().log().endLsn(), model.copy());
                st.txnId = txnId;
                steps.add(st);
                if (afterStep != null) {
                    afterStep.accept(env, i);
                }
            }
        }
    }

    private static void apply(State model, TreeMap<String, String> writes) {
        writes.forEach((dk, v) -> {
            String db = dk.substring(0, dk.indexOf('/'));
            String key = dk.substring(dk.indexOf('/') + 1);
            if (v == null) {
                model.dbs().get(db).remove(key);
            } else {
                model.dbs().get(db).put(key, v);
            }
        });
    }

    private static void writeSome(Environment env, Transaction t, State model, Set<String> locked, Random rnd,
            TreeMap<String, String> writes, int step) {
        List<String> dbs = new ArrayList<>(model.dbs().keySet());
        int n = 1 + rnd.nextInt(5);
        for (int j = 0; j < n; j++) {
            String db = dbs.get(rnd.nextInt(dbs.size()));
            String key = String.format("k%02d", rnd.nextInt(30));
            if (locked.contains(db + "/" + key)) {
                continue;
            }
            Database d = env.openDatabase(db, false);
            if (rnd.nextInt(4) == 0) {
                d.delete(t, b(key));
                writes.put(db + "/" + key, null);
            } else {
                String v = step + "-" + j + "-" + "x".repeat(rnd.nextInt(2500));
                d.put(t, b(key), b(v));
                writes.put(db + "/" + key, v);
            }
        }
    }

    /** Gives each step the LSN, end and time of the timed record it appended, from the whole log. */
    private void readTheLog(Path home, Path archive) throws Exception {
        Path all = home.resolveSibling("all-log");
        Files.createDirectories(all);
        for (Path d : List.of(archive, home.resolve("log"))) {
            try (var s = Files.list(d)) {
                for (Path p : s.filter(p -> p.getFileName().toString().matches("log\\.\\d+")).toList()) {
                    Files.copy(p, all.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        List<long[]> records = new ArrayList<>(); // lsn, end, millis
        new LogScanner(NioFileIO.INSTANCE, all).scan(Lsn.NULL, null, f -> {
            LogRecord rec = f.decode();
            long millis = rec instanceof CommitRecord c ? c.commitMillis() : rec instanceof AbortRecord a ? a.abortMillis()
                    : rec instanceof PrepareRecord p ? p.prepareMillis() : rec instanceof DatabaseCreateRecord dc ? dc.millis()
                    : rec instanceof DatabaseRemoveRecord dr ? dr.millis()
                    : rec instanceof org.cairndb.log.ForgetRecord fr ? fr.millis() : -1;
            if (millis >= 0) {
                records.add(new long[] {f.lsn(), f.endLsn(), millis});
            }
        });
        long lastMillis = 0;
        for (long[] rec : records) {
            assertTrue(rec[2] >= lastMillis, "times go backwards at " + Lsn.toString(rec[0]));
            lastMillis = rec[2];
            for (Step st : steps) {
                if (rec[0] >= st.before && rec[0] < st.after) {
                    if (st.recordLsn != Lsn.NULL && !st.what.startsWith("abort")) {
                        throw new AssertionError("two timed records in " + st);
                    }
                    st.recordLsn = rec[0];
                    st.recordEnd = rec[1];
                    st.millis = rec[2];
                }
            }
        }
    }

    private static State read(Environment env) {
        Map<String, TreeMap<String, String>> dbs = new TreeMap<>();
        for (String name : env.databaseNames()) {
            TreeMap<String, String> m = new TreeMap<>();
            try (Cursor c = env.openDatabase(name, false).openCursor(null)) {
                for (boolean ok = c.first(); ok; ok = c.next()) {
                    m.put(s(c.key()), s(c.value()));
                }
            }
            dbs.put(name, m);
        }
        Set<String> gids = new TreeSet<>();
        for (PreparedTransaction p : env.preparedTransactions()) {
            gids.add(s(p.globalId()));
        }
        Map<String, Boolean> heuristics = new TreeMap<>();
        for (org.cairndb.HeuristicOutcome h : env.heuristicOutcomes()) {
            heuristics.put(s(h.globalId()), h.committed());
        }
        return new State(dbs, gids, heuristics);
    }

    private int restores;

    private void check(Path backup, Path archive, Path home, RecoveryTarget target, State expected, String why) throws Exception {
        Path restored = dir.resolve("restored-" + restores++);
        TestSupport.copyTree(backup, restored);
        EnvironmentConfig c = TestSupport.config().logSegmentSize(64 << 10).catastrophicRecovery(true).recoveryTarget(target)
                .logSources(List.of(archive, home.resolve("log")));
        try (Environment env = Environment.open(restored, c)) {
            assertEquals(expected, read(env), target + " (" + why + "): " + env.recoveryReport());
            // The new history goes on from the target.
            String db = expected.dbs().isEmpty() ? null : expected.dbs().keySet().iterator().next();
            if (db != null) {
                Transaction t = env.beginTransaction();
                env.openDatabase(db, false).put(t, b("after-pitr"), b("new"));
                t.commit();
                expected.dbs().get(db).put("after-pitr", "new");
            }
        }
        try (Environment env = Environment.open(restored, TestSupport.config().logSegmentSize(64 << 10))) {
            assertEquals(expected, read(env), target + " (" + why + "), reopened after writing on");
        }
        TestSupport.deleteTree(restored);
    }

    private State before(int i) {
        return i == 0 ? empty() : steps.get(i - 1).state.copy();
    }

    @Test
    void everyKindOfTargetRecoversExactlyTheModel() throws Exception {
        for (String seed : System.getProperty("pitr.seeds", "20261204").split(",")) {
            steps.clear();
            oneRun(Long.parseLong(seed.trim()), dir.resolve("run-" + seed.trim()));
        }
    }

    private void oneRun(long seed, Path base) throws Exception {
        Path home = base.resolve("env");
        Path archive = base.resolve("archive");
        Path backup = base.resolve("backup");
        workload(home, archive, backup, seed, Integer.getInteger("pitr.steps", 300));
        readTheLog(home, archive);
        Random rnd = new Random(seed * 31);
        int checks = Integer.getInteger("pitr.checks", 9);
        List<Integer> candidates = new ArrayList<>();
        for (int i = backupStep + 2; i < steps.size(); i++) {
            if (steps.get(i).recordLsn != Lsn.NULL) {
                candidates.add(i);
            }
        }
        for (int n = 0; n < checks; n++) {
            int i = candidates.get(rnd.nextInt(candidates.size()));
            Step st = steps.get(i);
            String why = "seed " + seed + ", step " + i + ": " + st;
            if (n % 9 >= 7) {
                // Any position at all: inside a record, in a segment's header or in the zeros after its
                // last record, at a segment's end or past its size. Exclusive keeps the records that
                // start before it, inclusive also one starting at it.
                long first = steps.get(candidates.get(0)).recordLsn;
                long seg = Lsn.segment(first) + rnd.nextInt((int) (Lsn.segment(steps.get(steps.size() - 1).after)
                        - Lsn.segment(first) + 1));
                int pick = rnd.nextInt(4);
                long offset = pick == 0 ? rnd.nextInt(64) : pick == 1 ? (64 << 10) - rnd.nextInt(3000)
                        : pick == 2 ? (64 << 10) + rnd.nextInt(2) : rnd.nextInt(64 << 10);
                long at = Lsn.of(seg, offset);
                boolean inclusive = n % 9 == 7;
                int last = -1;
                for (int j = 0; j < steps.size(); j++) {
                    long rec = steps.get(j).recordLsn;
                    if (rec != Lsn.NULL && (inclusive ? rec <= at : rec < at)) {
                        last = j;
                    }
                }
                if (last > backupStep + 1 && at >= first) {
                    check(backup, archive, home, RecoveryTarget.lsn(at, inclusive), steps.get(last).state.copy(),
                            "seed " + seed + ", any position " + Lsn.toString(at) + ", last step kept " + last + ": "
                                    + steps.get(last));
                }
                continue;
            }
            switch (n % 7) {
                case 0 -> check(backup, archive, home, RecoveryTarget.lsn(st.recordLsn, true), st.state.copy(), why);
                case 1 -> check(backup, archive, home, RecoveryTarget.lsn(st.recordLsn, false), before(i), why);
                case 2 -> check(backup, archive, home, RecoveryTarget.lsn(st.recordEnd, false), st.state.copy(), why);
                case 3 -> {
                    // The last step at or before this one's time: everything committed in the same millisecond.
                    int last = i;
                    while (last + 1 < steps.size() && (steps.get(last + 1).millis < 0 || steps.get(last + 1).millis <= st.millis)) {
                        last++;
                    }
                    while (last > i && steps.get(last).millis < 0) {
                        last--;
                    }
                    check(backup, archive, home, RecoveryTarget.time(java.time.Instant.ofEpochMilli(st.millis), true),
                            steps.get(last).state.copy(), why + ", last at that time: step " + last);
                }
                case 4 -> {
                    int first = i;
                    while (first - 1 > backupStep && (steps.get(first - 1).millis < 0 || steps.get(first - 1).millis >= st.millis)) {
                        first--;
                    }
                    if (first > backupStep + 1) {
                        check(backup, archive, home, RecoveryTarget.time(java.time.Instant.ofEpochMilli(st.millis), false),
                                before(first), why + ", first at that time: step " + first);
                    }
                }
                case 5, 6 -> {
                    if (st.txnId > 0) {
                        boolean inclusive = n % 7 == 5;
                        check(backup, archive, home, RecoveryTarget.transaction(st.txnId, inclusive),
                                inclusive ? st.state.copy() : before(i), why);
                    }
                }
                default -> throw new IllegalStateException();
            }
        }
    }

    /**
     * The same workload with a failover copy and a recovered hot backup updated every so often:
     * after each update the copy (opened as it is, in a copy of its directory) and the backup hold
     * exactly the model of the moment the update began, prepared transactions still prepared and
     * heuristic outcomes remembered; the updated backup verifies, and recovers to targets after its
     * last update.
     */
    @Test
    void failoverAndBackupUpdatesHoldTheModel() throws Exception {
        for (String seed : System.getProperty("pitr.seeds", "20261204").split(",")) {
            steps.clear();
            long sd = Long.parseLong(seed.trim());
            Path base = dir.resolve("fo-" + sd);
            Path home = base.resolve("env");
            Path archive = base.resolve("archive");
            Path failover = base.resolve("failover");
            Path updated = base.resolve("updated");
            int[] lastUpdate = {-1};
            Random rnd = new Random(sd * 7);
            afterStep = (env, i) -> {
                if (rnd.nextInt(40) != 0) {
                    return;
                }
                if (rnd.nextBoolean()) {
                    env.checkpoint(true);
                }
                State expected = steps.get(steps.size() - 1).state;
                org.cairndb.backup.Failover.update(env.internals(), failover, BackupOptions.defaults());
                HotBackup.run(env.internals(), updated, BackupOptions.defaults().withUpdate(lastUpdate[0] >= 0));
                lastUpdate[0] = steps.size() - 1;
                org.cairndb.tools.BackupVerifier.Report report = new org.cairndb.tools.BackupVerifier(updated).verify();
                assertTrue(report.ok(), "seed " + sd + " step " + i + ": " + report);
                report = new org.cairndb.tools.BackupVerifier(failover).verify();
                assertTrue(report.ok(), "seed " + sd + " step " + i + ": " + report);
                for (Path copyOf : List.of(failover, updated)) {
                    Path look = base.resolve("look");
                    TestSupport.copyTree(copyOf, look);
                    try (Environment copy = Environment.open(look, TestSupport.config().logSegmentSize(64 << 10))) {
                        assertEquals(expected, read(copy), "seed " + sd + " step " + i + ", " + copyOf.getFileName() + ": "
                                + copy.recoveryReport());
                    }
                    TestSupport.deleteTree(look);
                }
            };
            try {
                workload(home, archive, base.resolve("backup"), sd, Integer.getInteger("pitr.steps", 300));
            } finally {
                afterStep = null;
            }
            readTheLog(home, archive);
            List<Integer> candidates = new ArrayList<>();
            for (int i = lastUpdate[0] + 2; i < steps.size(); i++) {
                if (steps.get(i).recordLsn != Lsn.NULL) {
                    candidates.add(i);
                }
            }
            for (int n = 0; n < 6 && !candidates.isEmpty(); n++) {
                int i = candidates.get(rnd.nextInt(candidates.size()));
                Step st = steps.get(i);
                String why = "seed " + sd + ", updated backup, step " + i + ": " + st;
                if (n % 2 == 0) {
                    check(updated, archive, home, RecoveryTarget.lsn(st.recordLsn, false), before(i), why);
                } else {
                    check(updated, archive, home, RecoveryTarget.lsn(st.recordLsn, true), st.state.copy(), why);
                }
            }
        }
    }
}
