package org.cairndb.xa;

import static javax.transaction.xa.XAResource.TMNOFLAGS;
import static javax.transaction.xa.XAResource.TMSUCCESS;
import static org.cairndb.xa.XaTestSupport.b;
import static org.cairndb.xa.XaTestSupport.xid;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.transaction.xa.Xid;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An environment closed while XA branches were still active or idle on it (a server that stops the
 * adapter in the middle of transactions) is not kept alive by its branch registry. The registries
 * were a static map with the environments as weak keys: the entry of a collected environment held
 * its branches, their transactions and through them the closed environment's internals (its dead
 * threads, and their context class loader: a redeployed adapter's) until some later call happened
 * to look the map up. A registry now belongs to its environment and goes with it.
 */
class XaLeakTest {

    static final int CYCLES = 100;

    @TempDir
    Path dir;

    @Test
    void closedEnvironmentsWithBranchesLeftAreCollected() throws Exception {
        Path home = dir.resolve("env");
        List<WeakReference<Object>> closed = new ArrayList<>();
        for (int cycle = 0; cycle < CYCLES; cycle++) {
            leaveBranchesAndClose(home, closed);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        long alive;
        while ((alive = closed.stream().filter(r -> r.get() != null).count()) > 0) {
            assertTrue(System.nanoTime() < deadline, alive + " of " + closed.size() + " closed environments still reachable");
            System.gc();
            Thread.sleep(20);
        }
    }

    /** One cycle: a branch active, one idle, one prepared (the engine keeps it), then the close. */
    private static void leaveBranchesAndClose(Path home, List<WeakReference<Object>> closed) throws Exception {
        Environment env = XaTestSupport.open(home);
        CairnXAResource xa = new CairnXAResource(env);
        for (var p : env.preparedTransactions()) {
            env.preparedTransaction(p.globalId()).commit();
        }
        Database db = env.openDatabase("t");
        Xid prepared = xid();
        xa.start(prepared, TMNOFLAGS);
        xa.run(t -> db.put(t, b("p"), b("v")));
        xa.end(prepared, TMSUCCESS);
        xa.prepare(prepared);
        Xid idle = xid();
        xa.start(idle, TMNOFLAGS);
        xa.run(t -> db.put(t, b("i"), b("v")));
        xa.end(idle, TMSUCCESS);
        CairnXAResource other = new CairnXAResource(env);
        other.start(xid(), TMNOFLAGS);
        other.run(t -> db.put(t, b("a"), b("v")));
        closed.add(new WeakReference<>(env));
        closed.add(new WeakReference<>(env.internals()));
        closed.add(new WeakReference<>(xa));
        env.close();
    }

}
