package org.cairndb.rar;

import static org.cairndb.rar.TestAdapters.adapter;
import static org.cairndb.rar.TestAdapters.factory;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.nio.charset.StandardCharsets;
import javax.transaction.xa.XAResource;
import org.cairndb.xa.CairnXid;
import org.junit.jupiter.api.Test;

/**
 * A connection that is in no branch runs its work on its own (auto-commit), unless the calling
 * thread is still inside a JTA transaction that has finished without it: the transaction manager's
 * reaper rolled the transaction back at its timeout (ending the connection's branch with TMFAIL, from
 * its own thread) while the application went on. That work would commit outside the transaction the
 * application believes it is in, and is refused.
 */
class ThreadTransactionTest extends AdapterFixture {

    private static final String DB = "db";

    /** The server's registry, as the calling thread's transaction stands. */
    private static final class Registry implements TransactionSynchronizationRegistry {
        volatile int status = Status.STATUS_NO_TRANSACTION;

        @Override
        public int getTransactionStatus() {
            return status;
        }

        @Override
        public Object getTransactionKey() {
            return status == Status.STATUS_NO_TRANSACTION ? null : "tx";
        }

        @Override
        public void putResource(Object key, Object value) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Object getResource(Object key) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void registerInterposedSynchronization(Synchronization sync) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void setRollbackOnly() {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean getRollbackOnly() {
            return status == Status.STATUS_MARKED_ROLLBACK;
        }
    }

    @Test
    void workAfterTheReaperRolledTheTransactionBackIsRefusedNotCommittedAlone() throws Exception {
        Registry registry = new Registry();
        ctx.registry = registry;
        ra = adapter(dir, "unit", "homes");
        ra.start(ctx);
        CairnManagedConnection mc = (CairnManagedConnection) factory(ra, "unit").createManagedConnection(null, null);
        try {
            CairnConnection handle = (CairnConnection) mc.getConnection(null, null);
            XAResource xa = mc.getXAResource();
            CairnXid xid = new CairnXid(1, "timed-out".getBytes(StandardCharsets.UTF_8), new byte[] {1});
            registry.status = Status.STATUS_ACTIVE;
            xa.start(xid, XAResource.TMNOFLAGS);
            handle.putString(DB, "in-the-transaction", "a");
            // The reaper, at the timeout: end(TMFAIL) and rollback, while the thread is still inside.
            xa.end(xid, XAResource.TMFAIL);
            xa.rollback(xid);
            registry.status = Status.STATUS_ROLLEDBACK;

            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> handle.putString(DB, "after-the-timeout", "b"));
            assertTrue(e.getMessage().contains("the JTA transaction of this thread is rolled back")
                    && e.getMessage().contains("nothing was written"), e.getMessage());
            registry.status = Status.STATUS_MARKED_ROLLBACK;
            assertTrue(assertThrows(IllegalStateException.class, () -> handle.getString(DB, "in-the-transaction"))
                    .getMessage().contains("is marked for rollback"));

            // Once the thread has left the transaction (UserTransaction.rollback() in a bean-managed
            // one, or the method returned), work commits on its own again.
            registry.status = Status.STATUS_NO_TRANSACTION;
            assertNull(handle.getString(DB, "in-the-transaction"), "the rolled-back branch's write");
            assertNull(handle.getString(DB, "after-the-timeout"), "the refused write");
            handle.putString(DB, "afterwards", "c");
            assertEquals("c", handle.getString(DB, "afterwards"));
            // Inside an active transaction that the connection is not enlisted in, as before.
            registry.status = Status.STATUS_ACTIVE;
            assertEquals("c", handle.getString(DB, "afterwards"));
        } finally {
            mc.destroy();
        }
    }

    @Test
    void withoutARegistryFromTheServerNothingIsRefused() throws Exception {
        ra = adapter(dir, "unit", "homes");
        ra.start(ctx);
        CairnManagedConnection mc = (CairnManagedConnection) factory(ra, "unit").createManagedConnection(null, null);
        try {
            CairnConnection handle = (CairnConnection) mc.getConnection(null, null);
            handle.putString(DB, "k", "v");
            assertEquals("v", handle.getString(DB, "k"));
        } finally {
            mc.destroy();
        }
    }
}
