package org.cairndb.procedures;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.cairndb.Cursor;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.TestSupport;
import org.cairndb.Transaction;
import org.cairndb.backup.BackupOptions;
import org.cairndb.backup.HotBackup;
import org.cairndb.io.NioFileIO;
import org.cairndb.log.CommitRecord;
import org.cairndb.log.LogRecordType;
import org.cairndb.log.LogScanner;
import org.cairndb.log.Lsn;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cairn recover} to a point in time: a backup taken before the target, the environment's
 * whole log, and a target by time (ISO-8601 and Berkeley DB's format), LSN or transaction,
 * inclusive or exclusive. Each must keep exactly the commits up to the target, move the log after it
 * aside, and leave an environment that later opens (normal recovery) without replaying it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PointInTimeRecoveryTest {

    @TempDir
    static Path dir;

    Path backup;
    Path envLog;
    /** Per commit after the backup, in order: its key, transaction id, LSN and time. */
    final List<String> keys = new ArrayList<>();
    final List<Long> txns = new ArrayList<>();
    final List<Long> lsns = new ArrayList<>();
    final List<Long> millis = new ArrayList<>();
    /** The keys committed before the backup. */
    final TreeSet<String> base = new TreeSet<>();
    /** A whole second: commits [0, secondIndex) before it, the rest after. */
    Instant second;
    int secondIndex;
    Random random;

    @BeforeAll
    void writeHistory() throws Exception {
        random = new Random(Seeds.seed("pointInTimeRecovery"));
        Path home = dir.resolve("env");
        backup = dir.resolve("backup");
        EnvironmentConfig cfg = new EnvironmentConfig().cacheSize(16L << 20).logSegmentSize(64 << 10)
                .checkpointerEnabled(false);
        Map<Long, String> keyOfTxn = new HashMap<>();
        try (Environment env = Environment.open(home, cfg)) {
            Database db = env.openDatabase("t");
            for (int i = 0; i < 50; i++) {
                base.add(commit(env, db, "base-" + i, keyOfTxn));
            }
            HotBackup.run(env.internals(), backup, BackupOptions.defaults().withSplitLayout(true));
            for (int i = 0; i < 400; i++) {
                if (i == 200) {
                    // A whole second that separates two commits, for the one-second resolution of [[CC]YY]MMDDhhmm.SS.
                    long now = System.currentTimeMillis();
                    second = Instant.ofEpochMilli((now / 1000 + 1) * 1000);
                    while (System.currentTimeMillis() <= second.toEpochMilli() + 2) {
                        Thread.sleep(1);
                    }
                }
                commit(env, db, String.format("p%05d", i), keyOfTxn);
                if (random.nextInt(8) == 0) {
                    Thread.sleep(1 + random.nextInt(3)); // commit times with gaps
                }
            }
        }
        envLog = home.resolve("log");
        Map<Long, long[]> byTxn = new HashMap<>();
        new LogScanner(NioFileIO.INSTANCE, envLog).scan(Lsn.NULL, null, f -> {
            if (f.type() == LogRecordType.COMMIT) {
                CommitRecord c = (CommitRecord) f.decode();
                byTxn.put(c.txnId(), new long[] {f.lsn(), c.commitMillis()});
            }
        });
        for (Map.Entry<Long, String> e : new java.util.TreeMap<>(keyOfTxn).entrySet()) {
            if (e.getValue().startsWith("p")) {
                keys.add(e.getValue());
                txns.add(e.getKey());
                lsns.add(byTxn.get(e.getKey())[0]);
                millis.add(byTxn.get(e.getKey())[1]);
            }
        }
        secondIndex = 200;
        assertTrue(millis.get(199) < second.toEpochMilli() && millis.get(200) > second.toEpochMilli());
    }

    private static String commit(Environment env, Database db, String key, Map<Long, String> keyOfTxn) {
        try (Transaction t = env.beginTransaction()) {
            db.put(t, key.getBytes(StandardCharsets.US_ASCII), new byte[200]);
            keyOfTxn.put(t.id(), key);
            t.commit();
        }
        return key;
    }

    /** Restores the backup and all of the log into a new directory, recovers with {@code args}, returns the keys. */
    private TreeSet<String> recoverTo(String name, String... args) throws Exception {
        Path restore = dir.resolve(name);
        TestSupport.copyTree(backup, restore);
        List<String> cmd = new ArrayList<>(List.of("recover", "-h", restore.toString(), "--logs", envLog.toString()));
        cmd.addAll(List.of(args));
        Cairn.Result r = Cairn.ok(cmd.toArray(new String[0]));
        assertTrue(r.out().contains("stopped at the recovery target"), r::toString);
        assertTrue(r.out().contains("moved the log after the target"), r::toString);
        assertTrue(!r.out().contains("(0 segments, 0 records)"), "the report counts what was replayed: " + r);
        TreeSet<String> recovered = keysIn(restore);
        assertTrue(Files.list(restore.resolve("log")).anyMatch(p -> p.getFileName().toString().startsWith("after-")));
        // A later open (normal recovery) does not replay what was moved aside, nor does cairn recover.
        Cairn.ok("recover", "-h", restore.toString());
        assertEquals(recovered, keysIn(restore), name + ": a normal open after the recovery changed the data");
        return recovered;
    }

    private static TreeSet<String> keysIn(Path home) {
        TreeSet<String> out = new TreeSet<>();
        try (Environment env = Environment.open(home, new EnvironmentConfig().allowCreate(false));
                Transaction t = env.beginTransaction(); Cursor c = env.openDatabase("t", false).openCursor(t)) {
            for (boolean ok = c.first(); ok; ok = c.next()) {
                out.add(new String(c.key(), StandardCharsets.US_ASCII));
            }
        }
        return out;
    }

    /** The base plus the first {@code n} commits after the backup. */
    private TreeSet<String> firstCommits(int n) {
        TreeSet<String> s = new TreeSet<>(base);
        s.addAll(keys.subList(0, n));
        return s;
    }

    private int pick() {
        return 20 + random.nextInt(keys.size() - 40);
    }

    /** A transaction id with no commit in the log (never committed, or wrote nothing): refused, saying why, nothing changed. */
    @Test
    void aTransactionWithNoCommitRecordIsRefusedSayingWhy() throws Exception {
        Path restore = dir.resolve("txn-none");
        TestSupport.copyTree(backup, restore);
        long absent = txns.get(txns.size() - 1) + 1_000;
        Cairn.Result r = Cairn.run("recover", "-c", "-h", restore.toString(), "--logs", envLog.toString(), "--to-txn",
                Long.toString(absent));
        assertTrue(r.exit() != 0, r::toString);
        assertTrue(r.err().contains("recovery target transaction " + absent + " does not commit in the log"), r::toString);
        assertTrue(r.err().contains("wrote nothing"), r::toString);
        assertTrue(r.err().contains("nothing was changed"), r::toString);
        assertEquals(new TreeSet<>(base), keysIn(restore), "the restored backup is as it was");
    }

    @Test
    void toATransactionInclusiveAndExclusive() throws Exception {
        int k = pick();
        assertEquals(firstCommits(k + 1), recoverTo("txn-incl", "--to-txn", Long.toString(txns.get(k)), "--inclusive"));
        assertEquals(firstCommits(k), recoverTo("txn-excl", "-c", "--to-txn", Long.toString(txns.get(k)), "--exclusive"));
    }

    @Test
    void toAnLsnInclusiveExclusiveAndBetweenRecords() throws Exception {
        int k = pick();
        String lsn = Lsn.toString(lsns.get(k));
        assertEquals(firstCommits(k + 1), recoverTo("lsn-incl", "-c", "--to-lsn", lsn));
        assertEquals(firstCommits(k), recoverTo("lsn-excl", "-c", "--to-lsn", lsn, "--exclusive"));
        String between = Lsn.toString(lsns.get(k) + 1);
        assertEquals(firstCommits(k + 1), recoverTo("lsn-between", "-c", "--to-lsn", between, "--exclusive"));
    }

    @Test
    void toATimeInclusiveAndExclusive() throws Exception {
        // A commit whose time no neighbour shares, so that inclusive and exclusive differ by exactly it.
        List<Integer> unique = new ArrayList<>();
        for (int i = 20; i < keys.size() - 20; i++) {
            if (!millis.get(i).equals(millis.get(i - 1)) && !millis.get(i).equals(millis.get(i + 1))) {
                unique.add(i);
            }
        }
        assertTrue(!unique.isEmpty(), "no commit time is unique: " + millis);
        int k = unique.get(random.nextInt(unique.size()));
        Instant t = Instant.ofEpochMilli(millis.get(k));
        int atOrBefore = 0;
        int before = 0;
        for (long m : millis) {
            atOrBefore += m <= t.toEpochMilli() ? 1 : 0;
            before += m < t.toEpochMilli() ? 1 : 0;
        }
        assertEquals(firstCommits(atOrBefore), recoverTo("time-incl", "-c", "-t", t.toString(), "--inclusive"));
        String withOffset = t.atOffset(ZoneOffset.ofHours(5)).toString();
        assertEquals(firstCommits(before), recoverTo("time-excl", "-c", "-t", withOffset, "--exclusive"));
    }

    @Test
    void toATimeInBerkeleyDbFormatAndLocalIso() throws Exception {
        var local = second.atZone(ZoneId.systemDefault());
        String bdb = DateTimeFormatter.ofPattern("yyMMddHHmm.ss").format(local);
        assertEquals(firstCommits(secondIndex), recoverTo("bdb", "-c", "-t", bdb));
        String bdbCentury = DateTimeFormatter.ofPattern("yyyyMMddHHmm.ss").format(local);
        assertEquals(firstCommits(secondIndex), recoverTo("bdb-cc", "-c", "-t", bdbCentury, "--exclusive"));
        String isoLocal = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").format(local);
        assertEquals(firstCommits(secondIndex), recoverTo("iso-local", "-t", isoLocal));
    }

    /**
     * After a point-in-time recovery of a restored copy, the copy's log goes on from the cut with new
     * commits, while the environment's old log (as an archive would) still holds the history the
     * recovery undid, and more of it. Catastrophic recovery given both logs, of another restore or of
     * the copy itself, is refused naming the two copies of the segment and where they part, and
     * changes nothing (it used to take the longer, old copy: the undone transactions came back and
     * the new commits were lost). Given only the new history's log it restores exactly the recovery's
     * commits plus the new ones.
     */
    @Test
    void theLogFromBeforeAPointInTimeRecoveryIsNotMixedWithTheLogAfterIt() throws Exception {
        int k = pick();
        Path pitr = dir.resolve("histories-pitr");
        TestSupport.copyTree(backup, pitr);
        Cairn.ok("recover", "-h", pitr.toString(), "--logs", envLog.toString(), "--to-txn", Long.toString(txns.get(k)));
        TreeSet<String> expected = firstCommits(k + 1);
        try (Environment env = Environment.open(pitr, new EnvironmentConfig().allowCreate(false))) {
            Database db = env.openDatabase("t", false);
            for (int i = 0; i < 5; i++) {
                expected.add(commit(env, db, "new-" + i, new HashMap<>()));
            }
        }
        Path pitrLog = pitr.resolve("log");
        String seg = org.cairndb.log.SegmentFiles.name(Lsn.segment(lsns.get(k)));
        long parting = Files.mismatch(envLog.resolve(seg), pitrLog.resolve(seg));
        assertTrue(parting >= 0, "the two histories part in " + seg);

        Path restore = dir.resolve("histories-restore");
        TestSupport.copyTree(backup, restore);
        Map<String, byte[]> restoreLog = segments(restore.resolve("log"));
        Cairn.Result r = Cairn.run("recover", "-c", "-h", restore.toString(), "--logs", envLog.toString(), "--logs",
                pitrLog.toString());
        assertEquals(1, r.exit(), r::toString);
        assertEquals(1, r.err().strip().lines().count(), r::toString);
        assertTrue(r.err().contains(envLog.resolve(seg) + ": differs from " + pitrLog.resolve(seg) + " from offset " + parting
                + " on, where both hold valid log records"), r::toString);
        assertTrue(r.err().contains("different histories") && r.err().contains("give only the directories of the history"
                + " wanted"), r::toString);
        assertSegmentsEqual(restoreLog, segments(restore.resolve("log")));

        Map<String, byte[]> pitrSegments = segments(pitrLog);
        Cairn.Result inPlace = Cairn.run("recover", "-c", "-h", pitr.toString(), "--logs", envLog.toString());
        assertEquals(1, inPlace.exit(), inPlace::toString);
        assertTrue(inPlace.err().contains(pitrLog.resolve(seg) + ": differs from " + envLog.resolve(seg) + " from offset "
                + parting + " on"), inPlace::toString);
        assertSegmentsEqual(pitrSegments, segments(pitrLog));
        assertEquals(expected, keysIn(pitr), "the refused recovery left the environment as it was");

        Cairn.ok("recover", "-c", "-h", restore.toString(), "--logs", pitrLog.toString());
        assertEquals(expected, keysIn(restore), "the new history: the recovery's commits and the new ones");
    }

    /** The segments (and files an interrupted copy would leave) in a log directory, by name. */
    private static Map<String, byte[]> segments(Path logDir) throws Exception {
        Map<String, byte[]> out = new java.util.TreeMap<>();
        try (var s = Files.list(logDir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                if (p.getFileName().toString().startsWith("log.")) {
                    out.put(p.getFileName().toString(), Files.readAllBytes(p));
                }
            }
        }
        return out;
    }

    private static void assertSegmentsEqual(Map<String, byte[]> expected, Map<String, byte[]> actual) {
        assertEquals(expected.keySet(), actual.keySet(), "the segments in log/");
        for (String name : expected.keySet()) {
            assertTrue(java.util.Arrays.equals(expected.get(name), actual.get(name)), name + " changed");
        }
    }

    @Test
    void aTargetBeforeTheBackupIsRefusedAndChangesNothing() throws Exception {
        Path restore = dir.resolve("too-early");
        TestSupport.copyTree(backup, restore);
        Cairn.Result r = Cairn.run("recover", "-h", restore.toString(), "-c", "-t", "2001-01-01T00:00:00Z");
        assertEquals(1, r.exit(), r::toString);
        assertTrue(r.err().startsWith("cairn recover: cannot recover to time 2001-01-01T00:00:00Z"), r::toString);
        assertEquals(1, r.err().strip().lines().count(), r::toString);
        assertEquals(base, keysIn(restore));
    }

    /**
     * A second recovery to the same target, after the first one's environment wrote a new history:
     * the admin puts the backup's data files back and recovers to the same transaction again. The
     * log after the cut is now the new history; it must be kept beside the old one, not poured into
     * the first recovery's directory (whose segments bear the same names and would be replaced, and
     * whose kept copy of the cut segment would stand for the new one, whose tail the cut zeroes).
     */
    @Test
    void aSecondRecoveryToTheSameTargetKeepsBothHistoriesAside() throws Exception {
        int k = pick();
        String txn = Long.toString(txns.get(k));
        Path home = dir.resolve("twice");
        TestSupport.copyTree(backup, home);
        Cairn.ok("recover", "-h", home.toString(), "--logs", envLog.toString(), "--to-txn", txn);
        Path logDir = home.resolve("log");
        List<Path> asides = asideDirs(logDir);
        assertEquals(1, asides.size(), asides::toString);
        Map<String, byte[]> oldHistory = segments(asides.get(0));

        try (Environment env = Environment.open(home, new EnvironmentConfig().allowCreate(false)
                .logSegmentSize(64 << 10))) {
            Database db = env.openDatabase("t", false);
            for (int i = 0; i < 600; i++) {
                commit(env, db, String.format("new-%04d", i), new HashMap<>());
            }
        }
        long cutSegment = Lsn.segment(lsns.get(k));
        Map<String, byte[]> newHistory = segments(logDir);
        newHistory.keySet().removeIf(name -> org.cairndb.log.SegmentFiles.number(name) < cutSegment);
        assertTrue(newHistory.size() > 1, "the new history fills segments after the cut's: " + newHistory.keySet());

        TestSupport.deleteTree(home.resolve("data"));
        TestSupport.copyTree(backup.resolve("data"), home.resolve("data"));
        Cairn.ok("recover", "-c", "-h", home.toString(), "--to-txn", txn);
        assertEquals(firstCommits(k + 1), keysIn(home));

        assertSegmentsEqual(oldHistory, segments(asides.get(0)));
        List<Path> now = asideDirs(logDir);
        assertEquals(2, now.size(), "a directory for each history after the target: " + now);
        now.remove(asides.get(0));
        assertSegmentsEqual(newHistory, segments(now.get(0)));
    }

    private static List<Path> asideDirs(Path logDir) throws Exception {
        try (var s = Files.list(logDir)) {
            return new ArrayList<>(s.filter(p -> Files.isDirectory(p) && p.getFileName().toString().startsWith("after-"))
                    .sorted().toList());
        }
    }
}
