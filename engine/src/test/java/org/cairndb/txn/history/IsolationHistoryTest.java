package org.cairndb.txn.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.IsolationLevel;
import org.cairndb.txn.history.History.Key;
import org.cairndb.txn.history.History.Outcome;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Concurrent list-append histories at each isolation level (and with the three mixed), checked by {@link ListAppendChecker}
 * against docs/isolation.md: eight threads over three databases of five keys at a time, gets, cursor scans
 * and appends, some transactions aborting themselves, some prepared and completed by another
 * thread, some runs with checkpoints throughout over a 1 MiB cache whose freed pages are reused at
 * once. The final lists must also survive a close and reopen. Seeds: -Dcairn.history.seed=,
 * length of each run: -Dcairn.history.seconds= (default 2).
 */
class IsolationHistoryTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}, locking appends {1}, prepares {2}, checkpoints {3}")
    @CsvSource({
            "READ_COMMITTED, 1.0, 0.0, false",
            "READ_COMMITTED, 1.0, 0.2, true",
            "SNAPSHOT, 0.0, 0.0, false",
            "SNAPSHOT, 0.0, 0.2, true",
            "SNAPSHOT, 0.5, 0.1, false",
            "SERIALIZABLE, 0.3, 0.0, false",
            "SERIALIZABLE, 0.3, 0.2, true",
            "MIXED, 0.3, 0.1, true" })
    void historyHoldsWhatTheLevelPromises(String levelName, double locking, double prepares, boolean checkpoints)
            throws Exception {
        IsolationLevel level = levelName.equals("MIXED") ? null : IsolationLevel.valueOf(levelName);
        long seed = Long.getLong("cairn.history.seed", System.nanoTime());
        System.out.println("[history] " + levelName + " seed " + seed + " (repeat with -Dcairn.history.seed=" + seed + ")");
        Duration length = Duration.ofSeconds(Long.getLong("cairn.history.seconds", 2));
        ListAppendWorkload.Shape shape = new ListAppendWorkload.Shape(level, 8, 3, 5, length, locking, prepares, checkpoints,
                false);
        EnvironmentConfig config = new EnvironmentConfig().cacheSize(1L << 20).checkpointerEnabled(false)
                .durability(Durability.NO_SYNC).pageReuseDelay(Duration.ZERO).logSegmentSize(1L << 20);
        History history;
        try (Environment env = Environment.open(dir, config)) {
            history = new ListAppendWorkload(env, shape, seed).run();
        }
        Map<Key, List<Long>> reopened;
        try (Environment env = Environment.open(dir, config)) {
            reopened = new ListAppendWorkload(env, shape, seed).finalLists();
        }
        Map<Outcome, Integer> outcomes = new EnumMap<>(Outcome.class);
        history.txns.forEach(t -> outcomes.merge(t.outcome, 1, Integer::sum));
        System.out.println("[history] " + levelName + ": " + history.txns.size() + " transactions " + outcomes);
        List<String> problems = new ListAppendChecker(history).check();
        assertEquals(List.of(), problems, levelName + " seed " + seed + ":\n" + String.join("\n", problems));
        assertEquals(history.finalLists, reopened, "the final lists after a reopen (seed " + seed + ")");
        assertTrue(outcomes.getOrDefault(Outcome.COMMITTED, 0) > 100, "too few commits to check anything: " + outcomes);
        assertEquals(0, outcomes.getOrDefault(Outcome.RUNNING, 0), "transactions left unfinished: " + outcomes);
    }

    /**
     * Each thread leaves its last transaction prepared; the environment then stops as a crash would
     * (WRITE_NO_SYNC: every commit reached the OS). After recovery each must be prepared again, is
     * committed or rolled back there, and the whole history, across the crash, must hold what the level promises.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({ "READ_COMMITTED, 1.0", "SNAPSHOT, 0.3", "SERIALIZABLE, 0.3" })
    void preparedTransactionsLeftInDoubtByACrashAreDecidedAfterRecovery(IsolationLevel level, double locking)
            throws Exception {
        long seed = Long.getLong("cairn.history.seed", System.nanoTime());
        System.out.println("[history] " + level + " with a crash, seed " + seed + " (repeat with -Dcairn.history.seed=" + seed + ")");
        ListAppendWorkload.Shape shape = new ListAppendWorkload.Shape(level, 8, 3, 5, Duration.ofSeconds(1), locking, 0.2,
                true, true);
        EnvironmentConfig config = new EnvironmentConfig().cacheSize(1L << 20).checkpointerEnabled(false)
                .durability(Durability.WRITE_NO_SYNC).pageReuseDelay(Duration.ZERO).logSegmentSize(1L << 20);
        Environment env = Environment.open(dir, config);
        ListAppendWorkload workload = new ListAppendWorkload(env, shape, seed);
        workload.run();
        int inDoubt = env.preparedTransactions().size();
        env.internals().abandon();
        History history;
        try (Environment again = Environment.open(dir, config)) {
            assertEquals(inDoubt, again.preparedTransactions().size(), "prepared transactions restored (seed " + seed + ")");
            history = workload.resolveInDoubt(again);
        }
        List<String> problems = new ListAppendChecker(history).check();
        assertEquals(List.of(), problems, level + " seed " + seed + ":\n" + String.join("\n", problems));
        assertTrue(inDoubt > 0, "no transaction was left in doubt");
        assertTrue(history.txns.stream().noneMatch(t -> t.outcome == Outcome.RUNNING), "transactions left unfinished");
    }
}
