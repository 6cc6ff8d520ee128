package org.cairndb.xa;

import static org.cairndb.xa.XaTestSupport.b;
import static org.cairndb.xa.XaTestSupport.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A JVM running Narayana over two Cairn environments halts ({@code Runtime.halt}) in the middle of
 * two-phase commit; a new JVM with Narayana's recovery manager (1 s periodic recovery) completes every
 * in-doubt Cairn branch as Narayana's log decides, and the data in both environments matches that
 * decision.
 */
class NarayanaCrashRecoveryTest {

    /** Where the crash JVM halts. {@code order}: enlistment order (A, B = Cairn; V = a resource voting no). */
    enum Scenario {
        /** Cairn A prepared, B not yet: no decision logged, so rollback. */
        AFTER_FIRST_PREPARE("AB", ScriptedXAResource.Point.PREPARE, true, false, true, false),
        /** B prepared, A (second) not yet: rollback. */
        AFTER_FIRST_PREPARE_OTHER_ORDER("BA", ScriptedXAResource.Point.PREPARE, false, false, false, true),
        /** Both prepared, Narayana has not logged its decision yet: rollback. */
        AFTER_ALL_PREPARES_UNDECIDED("AB", ScriptedXAResource.Point.PREPARE, false, false, true, true),
        /** Both prepared, commit logged, nothing committed yet: commit. */
        AFTER_ALL_PREPARES_COMMIT_LOGGED("BA", ScriptedXAResource.Point.COMMIT, true, true, true, true),
        /** Both prepared, a third resource voted no, rollback under way: rollback. */
        AFTER_ALL_PREPARES_ROLLBACK_DECIDED("ABV", ScriptedXAResource.Point.ROLLBACK, true, false, null, true),
        /** A committed, B in doubt: commit. */
        AFTER_FIRST_COMMIT("AB", ScriptedXAResource.Point.COMMIT, true, true, false, true),
        /** B committed, A in doubt: commit. */
        AFTER_FIRST_COMMIT_OTHER_ORDER("BA", ScriptedXAResource.Point.COMMIT, false, true, true, false);

        final String order;
        final ScriptedXAResource.Point haltAt;
        final boolean haltBefore;
        final boolean commits;
        /** Whether A / B are in doubt after the crash (null: it depends on timing). */
        final Boolean aInDoubt;
        final Boolean bInDoubt;

        Scenario(String order, ScriptedXAResource.Point haltAt, boolean haltBefore, boolean commits, Boolean aInDoubt,
                Boolean bInDoubt) {
            this.order = order;
            this.haltAt = haltAt;
            this.haltBefore = haltBefore;
            this.commits = commits;
            this.aInDoubt = aInDoubt;
            this.bInDoubt = bInDoubt;
        }
    }

    /** Every scenario once, then the main ones again with more keys: 12 crashes. */
    static Stream<Arguments> runs() {
        List<Arguments> runs = new ArrayList<>();
        int keys = 1;
        for (Scenario s : Scenario.values()) {
            runs.add(Arguments.of(s, keys));
            keys = keys % 3 + 1;
        }
        for (Scenario s : List.of(Scenario.AFTER_FIRST_PREPARE, Scenario.AFTER_ALL_PREPARES_UNDECIDED,
                Scenario.AFTER_ALL_PREPARES_COMMIT_LOGGED, Scenario.AFTER_ALL_PREPARES_ROLLBACK_DECIDED,
                Scenario.AFTER_FIRST_COMMIT)) {
            runs.add(Arguments.of(s, 5));
        }
        return runs.stream();
    }

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} with {1} key(s)")
    @MethodSource("runs")
    void inDoubtBranchesAreCompletedAsNarayanasLogDecides(Scenario scenario, int keys) throws Exception {
        Path store = dir.resolve("object-store");
        Path homeA = dir.resolve("a");
        Path homeB = dir.resolve("b");

        Process crash = child(dir.resolve("crash.log"), "crash", store, homeA, homeB, scenario.name(),
                String.valueOf(keys));
        int status = waitFor(crash, 120, dir.resolve("crash.log"));
        assertEquals(ScriptedXAResource.HALT_STATUS, status, "the crash JVM halts where planned:\n" + read("crash.log"));

        assertEquals(scenario.commits, NarayanaSupport.hasCommitDecision(store),
                "Narayana's log holds a commit decision exactly when the scenario says:\n" + read("crash.log"));
        try (Environment a = XaTestSupport.open(homeA); Environment b = XaTestSupport.open(homeB)) {
            int inA = a.preparedTransactions().size();
            int inB = b.preparedTransactions().size();
            if (scenario.aInDoubt != null) {
                assertEquals(scenario.aInDoubt ? 1 : 0, inA, "in-doubt branches of A after the crash");
            }
            if (scenario.bInDoubt != null) {
                assertEquals(scenario.bInDoubt ? 1 : 0, inB, "in-doubt branches of B after the crash");
            }
            assertTrue(inA + inB > 0, "something is in doubt");
            for (Xid x : inDoubtXids(a, b)) {
                assertEquals(131077, x.getFormatId(), "Narayana's Xid, bit for bit");
            }
        }

        Process recovery = child(dir.resolve("recover.log"), "recover", store, homeA, homeB, "90");
        int recovered = waitFor(recovery, 150, dir.resolve("recover.log"));
        assertEquals(0, recovered, "the recovery JVM resolves every branch:\n" + read("recover.log"));

        try (Environment a = XaTestSupport.open(homeA); Environment b = XaTestSupport.open(homeB)) {
            assertTrue(a.preparedTransactions().isEmpty());
            assertTrue(b.preparedTransactions().isEmpty());
            assertTrue(a.heuristicOutcomes().isEmpty(), "no heuristic decision was needed");
            assertTrue(b.heuristicOutcomes().isEmpty());
            Database ta = a.openDatabase("t");
            Database tb = b.openDatabase("t");
            for (int i = 0; i < keys; i++) {
                String k = "key-" + i;
                if (scenario.commits) {
                    assertEquals("A-" + k, s(ta.get(null, b(k))), k + " in A");
                    assertEquals("B-" + k, s(tb.get(null, b(k))), k + " in B");
                } else {
                    assertNull(ta.get(null, b(k)), k + " in A");
                    assertNull(tb.get(null, b(k)), k + " in B");
                }
            }
            assertEquals(scenario.commits ? keys : 0, ta.count());
            assertEquals(scenario.commits ? keys : 0, tb.count());
        }
        assertTrue(!NarayanaSupport.hasCommitDecision(store), "Narayana finished its transaction log");
    }

    private static List<Xid> inDoubtXids(Environment... envs) throws Exception {
        List<Xid> list = new ArrayList<>();
        for (Environment e : envs) {
            list.addAll(List.of(new CairnXAResource(e).recover(XAResource.TMSTARTRSCAN)));
        }
        return list;
    }

    private Process child(Path log, Object... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx256m");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(XaCrashChild.class.getName());
        for (Object a : args) {
            cmd.add(a.toString());
        }
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static int waitFor(Process p, int seconds, Path log) throws Exception {
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            fail("child JVM still running after " + seconds + " s:\n" + Files.readString(log));
        }
        return p.exitValue();
    }

    private String read(String name) throws IOException {
        String text = Files.readString(dir.resolve(name));
        return text.length() > 20_000 ? text.substring(text.length() - 20_000) : text;
    }
}
