package org.cairndb.xa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import javax.transaction.xa.XAException;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.junit.jupiter.api.function.Executable;

/** Helpers shared by the xa module's tests. */
final class XaTestSupport {

    /**
     * Runs each task on a thread of its own (see the engine tests' {@code TestSupport.OWN_THREAD}):
     * the common pool has one thread on a 2-core machine on Java 25, so a test's second blocking
     * task never started.
     */
    static final java.util.concurrent.Executor OWN_THREAD = task -> {
        Thread t = new Thread(task, "test-task");
        t.setDaemon(true);
        t.start();
    };

    private static final AtomicInteger NEXT = new AtomicInteger(1);

    private XaTestSupport() {
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String s(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    /** Small cache, no background checkpoints, short lock timeout. */
    static EnvironmentConfig config() {
        return new EnvironmentConfig().cacheSize(16L << 20).checkpointerEnabled(false)
                .lockTimeout(Duration.ofSeconds(2)).pageReuseDelay(Duration.ZERO).logSegmentSize(1L << 20);
    }

    static Environment open(Path dir) {
        return Environment.open(dir, config());
    }

    /** A fresh Xid with a unique gtrid, in the format Narayana uses. */
    static CairnXid xid() {
        int n = NEXT.getAndIncrement();
        return new CairnXid(131077, b("gtrid-" + n + "-" + System.nanoTime()), b("bq-" + n));
    }

    /** The same global transaction, another branch. */
    static CairnXid branch(CairnXid xid, String bqual) {
        return new CairnXid(xid.getFormatId(), xid.getGlobalTransactionId(), b(bqual));
    }

    /** Asserts that {@code call} throws an XAException with exactly {@code code}; returns it. */
    static XAException assertXa(int code, Executable call) {
        XAException e = assertThrows(XAException.class, call);
        assertEquals(XaErrors.name(code), XaErrors.name(e.errorCode), e.getMessage());
        assertTrue(e.getMessage().startsWith(XaErrors.name(code)), e.getMessage());
        return e;
    }

    /** Waits for {@code condition} until a deadline; fails naming {@code what}. */
    static void await(String what, Duration limit, BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out after " + limit + " waiting for " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for " + what);
            }
        }
    }
}
