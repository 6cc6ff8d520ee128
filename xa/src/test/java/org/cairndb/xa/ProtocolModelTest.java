package org.cairndb.xa;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.LockTimeoutException;
import org.cairndb.Transaction;
import org.cairndb.WriteConflictException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The XA protocol against a model: random sequences of start/end (every flag), work, prepare,
 * commit (one and two phases), rollback, forget, recover, an administrator's heuristic decisions and
 * restarts of the environment, over a few Xids and three resources of one environment. The model
 * predicts every call's outcome as docs/xa.md states it: success, the exact XAException code, or
 * (where the engine decides, a write meeting another branch's lock or a newer commit) one of a few
 * named outcomes, after which it follows what happened. After every call {@code recover} lists
 * exactly the prepared and heuristically completed branches; at the end of each phase every key
 * holds the value of the last transaction that committed it. Phases end with a clean close or a
 * simulated crash, so prepared branches and heuristic decisions also come back through recovery.
 */
class ProtocolModelTest {

    private static final int RESOURCES = 3;
    private static final int XIDS = 4;
    private static final List<String> SHARED_KEYS = List.of("s0", "s1", "s2");

    @TempDir
    Path dir;

    /** A branch the model knows before it is prepared. */
    private static final class Branch {
        final int serial;
        /** The commit sequence number of the branch's snapshot: taken by its first write (-1 before). */
        long startSeq = -1;
        int associations;
        int rollbackCode;
        boolean byRm;
        boolean reported;
        final Map<String, String> writes = new LinkedHashMap<>();

        Branch(int serial) {
            this.serial = serial;
        }

        boolean rollbackOnly() {
            return rollbackCode != 0;
        }
    }

    /** What each resource is associated with. */
    private static final class Res {
        CairnXAResource xa;
        Xid associated;
        final Set<Xid> suspended = new HashSet<>();
    }

    private final Map<Xid, Branch> branches = new HashMap<>();
    private final Map<Xid, Map<String, String>> prepared = new HashMap<>();
    private final Map<Xid, Boolean> heuristic = new HashMap<>();
    private final Map<String, String> committed = new TreeMap<>();
    private final Map<String, Long> committedAt = new HashMap<>();
    private final List<Res> resources = new ArrayList<>();
    private final List<Xid> xids = new ArrayList<>();
    private long commitSeq;
    private int serials;
    private int xidSerial;
    private final Map<String, Integer> outcomes = new TreeMap<>();

    private static EnvironmentConfig config() {
        return XaTestSupport.config().lockTimeout(Duration.ofMillis(30));
    }

    @Test
    void randomCallSequencesBehaveAsDocumented() throws Exception {
        long seed = Long.getLong("cairn.model.seed", System.nanoTime());
        System.out.println("[xa-model] seed " + seed + " (repeat with -Dcairn.model.seed=" + seed + ")");
        Random rnd = new Random(seed);
        for (int i = 0; i < XIDS; i++) {
            xids.add(freshXid());
        }
        int phases = Integer.getInteger("cairn.model.phases", 6);
        int steps = Integer.getInteger("cairn.model.steps", 400);
        Path home = dir.resolve("env");
        for (int phase = 0; phase < phases; phase++) {
            Environment env = Environment.open(home, config());
            try {
                resources.clear();
                for (int r = 0; r < RESOURCES; r++) {
                    Res res = new Res();
                    res.xa = new CairnXAResource(env);
                    resources.add(res);
                }
                checkData(env, "seed " + seed + ", phase " + phase + " after opening");
                for (int step = 0; step < steps; step++) {
                    String what = "seed " + seed + ", phase " + phase + ", step " + step;
                    try {
                        step(env, rnd, what);
                        checkRecover(what);
                    } catch (AssertionError e) {
                        throw new AssertionError(e.getMessage() + "\nthe calls before, oldest first:\n  "
                                + String.join("\n  ", trace), e);
                    }
                }
                checkData(env, "seed " + seed + ", phase " + phase + " before closing");
                if (rnd.nextBoolean()) {
                    env.internals().abandon(); // a crash: the next open runs recovery
                }
            } finally {
                env.close();
            }
            // Closing, or a crash, rolls back every branch not prepared; prepared and decided ones stay.
            branches.clear();
        }
        System.out.println("[xa-model] outcomes: " + outcomes);
    }

    private Xid freshXid() {
        int n = ++xidSerial;
        return new CairnXid(4711, XaTestSupport.b("g" + n), XaTestSupport.b("b" + (n % 3)));
    }

    private Res currentRes;

    private void step(Environment env, Random rnd, String what) throws Exception {
        int r = rnd.nextInt(RESOURCES);
        Res res = resources.get(r);
        currentRes = res;
        // Mostly the Xid the resource works on, so that branches get somewhere.
        Xid x = res.associated != null && rnd.nextInt(3) > 0 ? res.associated : xids.get(rnd.nextInt(XIDS));
        if (rnd.nextBoolean()) {
            sensibleStep(env, rnd, res, x, what);
            return;
        }
        int op = rnd.nextInt(100);
        String call;
        if (op < 14) {
            startNew(res, x, what);
        } else if (op < 19) {
            call = "start(TMJOIN)";
            expect(what, call, x, expectJoin(res, x), () -> res.xa.start(x, XAResource.TMJOIN), () -> {
                branches.get(x).associations++;
                res.associated = x;
            });
        } else if (op < 23) {
            resume(res, x, what);
        } else if (op < 38) {
            int flag = new int[] {XAResource.TMSUCCESS, XAResource.TMSUCCESS, XAResource.TMFAIL, XAResource.TMSUSPEND}[rnd
                    .nextInt(4)];
            end(res, x, flag, what);
        } else if (op < 58) {
            work(env, res, rnd, what);
        } else if (op < 68) {
            prepare(res, x, what);
        } else if (op < 78) {
            commit(res, x, rnd.nextInt(3) == 0, what);
        } else if (op < 85) {
            rollback(res, x, what);
        } else if (op < 88) {
            call = "forget";
            int code = heuristic.containsKey(x) ? 0 : branches.containsKey(x) || prepared.containsKey(x)
                    ? XAException.XAER_PROTO : XAException.XAER_NOTA;
            expect(what, call, x, code, () -> res.xa.forget(x), () -> heuristic.remove(x));
        } else if (op < 91) {
            decide(env, x, rnd.nextBoolean(), what);
        } else {
            // a new Xid for one that is finished (or abandoned: it stays as the model knows it)
            Xid old = xids.get(rnd.nextInt(XIDS));
            if (!branches.containsKey(old) || rnd.nextInt(4) == 0) {
                xids.set(xids.indexOf(old), freshXid());
            }
        }
    }

    /** The call a transaction manager would make next for {@code x} (so that branches get through). */
    private void sensibleStep(Environment env, Random rnd, Res res, Xid x, String what) throws Exception {
        Branch b = branches.get(x);
        if (x.equals(res.associated)) {
            if (rnd.nextInt(3) > 0) {
                work(env, res, rnd, what);
            } else {
                end(res, x, rnd.nextInt(8) == 0 ? XAResource.TMFAIL : XAResource.TMSUCCESS, what);
            }
        } else if (prepared.containsKey(x)) {
            switch (rnd.nextInt(7)) {
                case 0 -> rollback(res, x, what);
                case 1 -> decide(env, x, rnd.nextBoolean(), what);
                case 2 -> commit(res, x, true, what); // a wrong call: one phase after prepare
                default -> commit(res, x, false, what);
            }
        } else if (heuristic.containsKey(x)) {
            expect(what, "forget", x, 0, () -> res.xa.forget(x), () -> heuristic.remove(x));
        } else if (b == null) {
            if (res.associated == null) {
                startNew(res, x, what);
            }
        } else if (res.suspended.contains(x)) {
            resume(res, x, what);
        } else if (b.associations == 0) {
            if (rnd.nextInt(3) == 0) {
                commit(res, x, true, what);
            } else {
                prepare(res, x, what);
            }
        }
    }

    // ---- association ----

    private void startNew(Res res, Xid x, String what) {
        expect(what, "start(TMNOFLAGS)", x, expectStartNew(res, x), () -> res.xa.start(x, XAResource.TMNOFLAGS), () -> {
            Branch b = new Branch(++serials);
            b.associations = 1;
            branches.put(x, b);
            res.associated = x;
        });
    }

    private void resume(Res res, Xid x, String what) {
        int code = expectResume(res, x);
        expect(what, "start(TMRESUME)", x, code, () -> res.xa.start(x, XAResource.TMRESUME), () -> {
            res.suspended.remove(x);
            res.associated = x;
        });
        if (isRollback(code)) {
            // the suspended association is gone with the error
            res.suspended.remove(x);
            branches.get(x).associations--;
            branches.get(x).reported = true;
        }
    }

    private int expectStartNew(Res res, Xid x) {
        if (res.associated != null) {
            return XAException.XAER_PROTO;
        }
        return known(x) ? XAException.XAER_DUPID : 0;
    }

    private int expectJoin(Res res, Xid x) {
        if (res.associated != null || res.suspended.contains(x)) {
            return XAException.XAER_PROTO;
        }
        Branch b = branches.get(x);
        if (b == null) {
            return notaOrProto(x);
        }
        if (b.rollbackOnly()) {
            b.reported = true;
            return b.rollbackCode;
        }
        return 0;
    }

    private int expectResume(Res res, Xid x) {
        if (res.associated != null) {
            return XAException.XAER_PROTO;
        }
        if (!res.suspended.contains(x)) {
            return branches.containsKey(x) ? XAException.XAER_PROTO : notaOrProto(x);
        }
        Branch b = branches.get(x);
        return b.rollbackOnly() ? b.rollbackCode : 0;
    }

    private void end(Res res, Xid x, int flag, String what) throws Exception {
        String call = "end(" + (flag == XAResource.TMSUCCESS ? "TMSUCCESS" : flag == XAResource.TMFAIL ? "TMFAIL"
                : "TMSUSPEND") + ")";
        Branch b = branches.get(x);
        boolean active = x.equals(res.associated);
        boolean suspendedHere = res.suspended.contains(x);
        int code;
        Runnable after;
        if (active || suspendedHere) {
            if (flag == XAResource.TMSUSPEND) {
                code = suspendedHere ? XAException.XAER_PROTO : b.rollbackOnly() ? b.rollbackCode : 0;
            } else {
                code = b.rollbackOnly() && b.byRm ? b.rollbackCode : 0;
            }
            boolean suspending = flag == XAResource.TMSUSPEND && code == 0;
            boolean ending = !suspendedHere || flag != XAResource.TMSUSPEND;
            after = () -> {
                if (ending) {
                    if (active) {
                        res.associated = null;
                    } else {
                        res.suspended.remove(x);
                    }
                    if (suspending) {
                        res.suspended.add(x);
                    } else {
                        b.associations--;
                        if (flag == XAResource.TMFAIL && !b.rollbackOnly()) {
                            b.rollbackCode = XAException.XA_RBROLLBACK;
                            b.byRm = false;
                        }
                    }
                }
            };
            if (code != 0 && code != XAException.XAER_PROTO) {
                b.reported = true;
            }
        } else {
            code = branches.containsKey(x) ? XAException.XAER_PROTO : notaOrProto(x);
            after = () -> { };
        }
        int expected = code;
        if (isRollback(code)) {
            // The association ends with the error too.
            after.run();
            expect(what, call, x, expected, () -> res.xa.end(x, flag), () -> { });
        } else {
            expect(what, call, x, expected, () -> res.xa.end(x, flag), after);
        }
    }

    // ---- work ----

    private void work(Environment env, Res res, Random rnd, String what) {
        if (res.associated == null) {
            return;
        }
        Xid x = res.associated;
        Branch b = branches.get(x);
        String key = rnd.nextInt(3) == 0 ? SHARED_KEYS.get(rnd.nextInt(SHARED_KEYS.size()))
                : "u" + b.serial + "-" + rnd.nextInt(4);
        String value = "v" + b.serial + "-" + rnd.nextInt(1000);
        Database db = env.openDatabase("t");
        String lockedBy = lockHolder(key, x);
        if (b.startSeq < 0) {
            b.startSeq = commitSeq; // the engine takes the snapshot once the first write has its lock
        }
        boolean conflictPossible = committedAt.getOrDefault(key, -1L) > b.startSeq;
        RuntimeException failure = null;
        try {
            res.xa.run(t -> db.put(t, XaTestSupport.b(key), XaTestSupport.b(value)));
        } catch (RuntimeException e) {
            failure = e;
        }
        trace(what.substring(what.indexOf("step")) + ": put of " + key + " in " + x + " on resource "
                + resources.indexOf(res) + (failure == null ? "" : " failed: " + failure.getClass().getSimpleName()));
        String where = what + ": put of " + key + " in branch " + x + (lockedBy == null ? "" : " (locked by " + lockedBy + ")");
        if (b.rollbackOnly()) {
            if (failure == null) {
                throw new AssertionError(where + ": succeeded in a branch that was rolled back");
            }
            count("work in a rolled-back branch fails");
            return;
        }
        if (failure == null) {
            if (lockedBy != null) {
                throw new AssertionError(where + ": succeeded although another branch holds the key's lock");
            }
            if (conflictPossible && !b.writes.containsKey(key)) {
                throw new AssertionError(where + ": succeeded although a transaction committed the key after the"
                        + " branch began (a lost update under snapshot isolation)");
            }
            b.writes.put(key, value);
            count("work");
            return;
        }
        if (failure instanceof LockTimeoutException && lockedBy != null) {
            b.rollbackCode = XAException.XA_RBTIMEOUT;
            if (lockedBy.startsWith("prepared") && !failure.getMessage().contains(XidCodec.format(lockedXid(key)))) {
                throw new AssertionError(where + ": the lock timeout does not name the in-doubt Xid: "
                        + failure.getMessage(), failure);
            }
            count("work: lock timeout");
        } else if (failure instanceof WriteConflictException && conflictPossible && lockedBy == null) {
            b.rollbackCode = XAException.XA_RBINTEGRITY;
            count("work: write conflict");
        } else {
            throw new AssertionError(where + ": unexpected failure " + failure, failure);
        }
        b.byRm = true;
        b.writes.clear();
    }

    /** Who else holds the write lock on {@code key}: a live branch or a prepared one; null if none. */
    private String lockHolder(String key, Xid self) {
        for (var e : branches.entrySet()) {
            if (!e.getKey().equals(self) && !e.getValue().rollbackOnly() && e.getValue().writes.containsKey(key)) {
                return "branch " + e.getKey();
            }
        }
        Xid p = lockedXid(key);
        return p == null ? null : "prepared " + p;
    }

    private Xid lockedXid(String key) {
        for (var e : prepared.entrySet()) {
            if (e.getValue().containsKey(key)) {
                return e.getKey();
            }
        }
        return null;
    }

    // ---- completion ----

    private void prepare(Res res, Xid x, String what) throws Exception {
        Branch b = branches.get(x);
        if (b == null) {
            expect(what, "prepare", x, notaOrProto(x), () -> res.xa.prepare(x), () -> { });
            return;
        }
        if (b.associations > 0) {
            expect(what, "prepare", x, XAException.XAER_PROTO, () -> res.xa.prepare(x), () -> { });
            return;
        }
        if (b.rollbackOnly()) {
            b.reported = true;
            branches.remove(x); // the branch ends with the error
            expect(what, "prepare", x, b.rollbackCode, () -> res.xa.prepare(x), () -> { });
            return;
        }
        int want = b.writes.isEmpty() ? XAResource.XA_RDONLY : XAResource.XA_OK;
        int got;
        try {
            got = res.xa.prepare(x);
        } catch (XAException e) {
            throw new AssertionError(what + ": prepare of " + x + " failed with " + XaErrors.name(e.errorCode) + ": "
                    + e.getMessage(), e);
        }
        assertEquals(want, got, what + ": prepare of " + x);
        branches.remove(x);
        if (want == XAResource.XA_OK) {
            prepared.put(x, new LinkedHashMap<>(b.writes));
            count("prepare: XA_OK");
        } else {
            count("prepare: XA_RDONLY");
        }
    }

    private void commit(Res res, Xid x, boolean onePhase, String what) throws Exception {
        String call = "commit(onePhase=" + onePhase + ")";
        Branch b = branches.get(x);
        if (b != null) {
            if (!onePhase || b.associations > 0) {
                expect(what, call, x, XAException.XAER_PROTO, () -> res.xa.commit(x, onePhase), () -> { });
            } else if (b.rollbackOnly()) {
                b.reported = true;
                branches.remove(x); // the branch ends with the error
                expect(what, call, x, b.rollbackCode, () -> res.xa.commit(x, true), () -> { });
            } else {
                expect(what, call, x, 0, () -> res.xa.commit(x, true), () -> {
                    branches.remove(x);
                    apply(b.writes);
                });
            }
        } else if (prepared.containsKey(x)) {
            if (onePhase) {
                expect(what, call, x, XAException.XAER_PROTO, () -> res.xa.commit(x, true), () -> { });
            } else {
                expect(what, call, x, 0, () -> res.xa.commit(x, false), () -> apply(prepared.remove(x)));
            }
        } else {
            expect(what, call, x, heuristicOrNota(x), () -> res.xa.commit(x, onePhase), () -> { });
        }
    }

    private void rollback(Res res, Xid x, String what) throws Exception {
        Branch b = branches.get(x);
        if (b != null) {
            if (b.associations > 0) {
                expect(what, "rollback", x, XAException.XAER_PROTO, () -> res.xa.rollback(x), () -> { });
                return;
            }
            int code = b.rollbackOnly() && b.byRm && !b.reported ? b.rollbackCode : 0;
            branches.remove(x);
            expect(what, "rollback", x, code, () -> res.xa.rollback(x), () -> { });
        } else if (prepared.containsKey(x)) {
            expect(what, "rollback", x, 0, () -> res.xa.rollback(x), () -> prepared.remove(x));
        } else {
            expect(what, "rollback", x, heuristicOrNota(x), () -> res.xa.rollback(x), () -> { });
        }
    }

    private void decide(Environment env, Xid x, boolean commit, String what) {
        InDoubtBranches admin = new InDoubtBranches(env);
        String call = commit ? "heuristicCommit" : "heuristicRollback";
        try {
            HeuristicBranch h = commit ? admin.heuristicCommit(x) : admin.heuristicRollback(x);
            if (!prepared.containsKey(x)) {
                throw new AssertionError(what + ": " + call + " of " + x + " succeeded on a branch that is not in doubt");
            }
            assertEquals(commit, h.committed(), what + ": " + call);
            Map<String, String> writes = prepared.remove(x);
            if (commit) {
                apply(writes);
            }
            heuristic.put(x, commit);
            count(call);
        } catch (IllegalArgumentException e) {
            if (prepared.containsKey(x)) {
                throw new AssertionError(what + ": " + call + " of the in-doubt branch " + x + " failed: " + e.getMessage(), e);
            }
            count(call + ": no in-doubt branch");
        }
    }

    private void apply(Map<String, String> writes) {
        commitSeq++;
        for (var w : writes.entrySet()) {
            committed.put(w.getKey(), w.getValue());
            committedAt.put(w.getKey(), commitSeq);
        }
    }

    // ---- expectations ----

    private boolean known(Xid x) {
        return branches.containsKey(x) || prepared.containsKey(x) || heuristic.containsKey(x);
    }

    /** XAER_PROTO for a prepared or heuristically completed branch, XAER_NOTA for one unknown. */
    private int notaOrProto(Xid x) {
        return prepared.containsKey(x) || heuristic.containsKey(x) ? XAException.XAER_PROTO : XAException.XAER_NOTA;
    }

    private int heuristicOrNota(Xid x) {
        Boolean h = heuristic.get(x);
        return h == null ? XAException.XAER_NOTA : h ? XAException.XA_HEURCOM : XAException.XA_HEURRB;
    }

    private static boolean isRollback(int code) {
        return code >= XAException.XA_RBBASE && code <= XAException.XA_RBEND;
    }

    interface XaCall {
        void run() throws XAException;
    }

    /** Runs {@code call}; it must succeed (then {@code after} updates the model) or fail with exactly {@code code}. */
    private void expect(String what, String name, Xid x, int code, XaCall call, Runnable after) {
        String where = what + ": " + name + " of " + x;
        trace(where.substring(where.indexOf("step")) + " on resource " + resources.indexOf(currentRes) + ", expecting "
                + (code == 0 ? "success" : XaErrors.name(code)));
        try {
            call.run();
        } catch (XAException e) {
            if (code == 0) {
                throw new AssertionError(where + ": expected success, got " + XaErrors.name(e.errorCode) + ": "
                        + e.getMessage(), e);
            }
            if (e.errorCode != code) {
                throw new AssertionError(where + ": expected " + XaErrors.name(code) + ", got " + XaErrors.name(e.errorCode)
                        + ": " + e.getMessage(), e);
            }
            count(name + ": " + XaErrors.name(code));
            return;
        } catch (RuntimeException e) {
            throw new AssertionError(where + ": not an XAException: " + e, e);
        }
        if (code != 0) {
            throw new AssertionError(where + ": expected " + XaErrors.name(code) + ", but it succeeded");
        }
        after.run();
        count(name);
    }

    private void count(String outcome) {
        outcomes.merge(outcome, 1, Integer::sum);
    }

    private final java.util.ArrayDeque<String> trace = new java.util.ArrayDeque<>();

    private void trace(String line) {
        if (trace.size() == 40) {
            trace.removeFirst();
        }
        trace.addLast(line);
    }

    // ---- checks ----

    private void checkRecover(String what) throws XAException {
        Set<String> want = new TreeSet<>();
        prepared.keySet().forEach(x -> want.add(XidCodec.format(x)));
        heuristic.keySet().forEach(x -> want.add(XidCodec.format(x)));
        Set<String> got = new TreeSet<>();
        for (Xid x : resources.get(0).xa.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN)) {
            got.add(XidCodec.format(x));
        }
        assertEquals(want, got, what + ": recover lists exactly the prepared and heuristically completed branches");
    }

    private void checkData(Environment env, String what) {
        Database db = env.openDatabase("t");
        Set<String> keys = new TreeSet<>(committed.keySet());
        try (Transaction t = env.beginTransaction()) {
            try (var c = db.openCursor(t)) {
                for (boolean ok = c.first(); ok; ok = c.next()) {
                    keys.add(new String(c.key(), java.nio.charset.StandardCharsets.UTF_8));
                }
            }
            for (String k : keys) {
                byte[] v = db.get(t, XaTestSupport.b(k));
                assertEquals(committed.get(k), v == null ? null : XaTestSupport.s(v), what + ": value of " + k);
            }
            t.commit();
        }
        assertEquals(committed.size(), db.count(), what + ": number of records");
    }
}
