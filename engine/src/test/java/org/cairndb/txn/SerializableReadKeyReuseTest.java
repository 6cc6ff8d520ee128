package org.cairndb.txn;

import static org.cairndb.TestSupport.b;
import static org.cairndb.TestSupport.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.cairndb.EnvironmentFixture;
import org.cairndb.IsolationLevel;
import org.cairndb.Transaction;
import org.cairndb.TransactionConfig;
import org.cairndb.WriteConflictException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A SERIALIZABLE transaction's reads are validated at its commit by the keys it read. Callers often
 * reuse one array for the keys they look up; the engine must remember the key it was given, not the
 * caller's array. Before the fix it kept the array: after the caller filled it with the next key, the
 * record of the first read was gone (and the set of read keys held an entry under the wrong hash),
 * so the classic write skew of two on-call doctors committed under SERIALIZABLE.
 */
class SerializableReadKeyReuseTest extends EnvironmentFixture {

    @Override
    protected String databaseName() {
        return "oncall";
    }

    @BeforeEach
    void setUp() {
        db.put(null, b("alice"), b("on"));
        db.put(null, b("bob.."), b("on"));
    }

    private Transaction serializable() {
        return env.beginTransaction(new TransactionConfig().isolation(IsolationLevel.SERIALIZABLE));
    }

    /** Counts the doctors on call, reading both through one reused key array, as a loop over names would. */
    private int onCall(Transaction t) {
        byte[] key = new byte[5];
        int n = 0;
        for (String name : new String[] {"alice", "bob.."}) {
            System.arraycopy(b(name), 0, key, 0, 5);
            if ("on".equals(s(db.get(t, key)))) {
                n++;
            }
        }
        return n;
    }

    @Test
    void writeSkewIsRefusedWhenTheReaderReusesItsKeyArray() {
        Transaction a = serializable();
        Transaction c = serializable();
        assertEquals(2, onCall(a));
        assertEquals(2, onCall(c));
        db.put(a, b("alice"), b("off")); // alice goes home: bob is still on call, as a saw it
        db.put(c, b("bob.."), b("off")); // bob goes home: alice is still on call, as c saw it
        a.commit();
        WriteConflictException e = assertThrows(WriteConflictException.class, c::commit,
                "c read alice's row, which a changed after c's snapshot");
        assertTrue(e.getMessage().contains("serialization failure"), e.getMessage());
        assertEquals("on", s(db.get(null, b("bob.."))), "c's write was rolled back");
        assertEquals(1, onCall(null));
    }

    @Test
    void aPreparedSerializableTransactionLocksTheKeysItReadNotWhatTheArrayHoldsLater() {
        Transaction a = serializable();
        byte[] key = b("alice");
        assertEquals("on", s(db.get(a, key)));
        System.arraycopy(b("zzzzz"), 0, key, 0, 5);
        db.put(a, b("other"), b("1"));
        a.prepare(b("gid-1"));
        // alice's row was read by a prepared SERIALIZABLE transaction: a writer must wait for its
        // outcome (here: time out), not change it under it.
        Transaction w = env.beginTransaction(new TransactionConfig().lockTimeout(java.time.Duration.ofMillis(100)));
        assertThrows(org.cairndb.LockTimeoutException.class, () -> db.put(w, b("alice"), b("off")));
        a.commit();
    }
}
