package org.cairndb.xa;

import static javax.transaction.xa.XAResource.TMNOFLAGS;
import static javax.transaction.xa.XAResource.TMSTARTRSCAN;
import static javax.transaction.xa.XAResource.TMSUCCESS;
import static javax.transaction.xa.XAResource.XA_OK;
import static org.cairndb.xa.XaTestSupport.b;
import static org.cairndb.xa.XaTestSupport.s;
import static org.cairndb.xa.XaTestSupport.xid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.transaction.xa.XAException;
import javax.transaction.xa.Xid;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.LockTimeoutException;
import org.cairndb.Transaction;
import org.cairndb.TransactionConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The in-doubt listing, and the locks of in-doubt branches: who they block, and how that is reported. */
class InDoubtTest {

    @TempDir
    Path dir;
    Environment env;
    Database db;
    InDoubtBranches admin;

    @BeforeEach
    void open() {
        env = XaTestSupport.open(dir);
        db = env.openDatabase("t");
        admin = new InDoubtBranches(env);
    }

    @AfterEach
    void close() {
        env.close();
    }

    private Xid prepared(String... keys) throws XAException {
        CairnXAResource xa = new CairnXAResource(env);
        Xid x = xid();
        xa.start(x, TMNOFLAGS);
        for (String k : keys) {
            xa.run(t -> db.put(t, b(k), b("in-doubt")));
        }
        xa.end(x, TMSUCCESS);
        assertEquals(XA_OK, xa.prepare(x));
        return x;
    }

    @Test
    void theListingShowsXidAgeKeysLocksDatabasesAndWhoIsBlocked() throws Exception {
        Database other = env.openDatabase("u");
        Xid x = prepared("a", "b", "c");
        CairnXAResource xa2 = new CairnXAResource(env);
        Xid y = xid();
        xa2.start(y, TMNOFLAGS);
        xa2.run(t -> other.put(t, b("z"), b("1")));
        xa2.end(y, TMSUCCESS);
        xa2.prepare(y);

        InDoubtBranch first = admin.list().get(0);
        assertEquals(x, first.xid());
        assertEquals(3, first.keysWritten());
        assertEquals(3, first.locksHeld());
        assertEquals(List.of("t"), first.databases());
        assertTrue(first.blocking().isEmpty());
        assertTrue(!first.age().isNegative());
        assertEquals(XidCodec.hex(XidCodec.encode(x)), first.globalId());
        assertEquals(List.of("u"), admin.list().get(1).databases());

        // Two writers wait for its locks: a plain transaction and another XA branch.
        Transaction plain = env.beginTransaction(new TransactionConfig().lockTimeout(Duration.ofSeconds(30)));
        CompletableFuture<Throwable> plainWait = CompletableFuture.supplyAsync(() -> {
            try {
                db.put(plain, b("a"), b("plain"));
                return null;
            } catch (RuntimeException e) {
                return e;
            }
        }, XaTestSupport.OWN_THREAD);
        CairnXAResource waiterXa = new CairnXAResource(env);
        Xid w = xid();
        waiterXa.start(w, TMNOFLAGS);
        waiterXa.run(t -> t.setLockTimeout(Duration.ofSeconds(30)));
        CompletableFuture<Throwable> xaWait = CompletableFuture.supplyAsync(() -> {
            try {
                waiterXa.run(t -> db.put(t, b("b"), b("xa")));
                return null;
            } catch (RuntimeException e) {
                return e;
            }
        }, XaTestSupport.OWN_THREAD);
        XaTestSupport.await("both writers to wait", Duration.ofSeconds(10),
                () -> admin.list().get(0).blocking().size() == 2);
        InDoubtBranch blocking = admin.list().get(0);
        assertTrue(blocking.blocking().contains(new InDoubtBranch.Waiter(plain.id(), null)), blocking.toString());
        assertTrue(blocking.blocking().contains(new InDoubtBranch.Waiter(waiterXa.transaction().id(), CairnXid.of(w))),
                blocking.toString());
        assertTrue(blocking.toString().contains(x.toString()), blocking.toString());
        Duration age1 = admin.list().get(0).age();
        XaTestSupport.await("the age to grow", Duration.ofSeconds(5), () -> admin.list().get(0).age().compareTo(age1) > 0);

        // Resolving the branch releases its locks: both writers go on.
        new CairnXAResource(env).commit(x, false);
        assertNull(plainWait.get(30, TimeUnit.SECONDS));
        assertNull(xaWait.get(30, TimeUnit.SECONDS));
        plain.commit();
        waiterXa.end(w, TMSUCCESS);
        waiterXa.commit(w, true);
        assertEquals("plain", s(db.get(null, b("a"))));
        assertEquals("xa", s(db.get(null, b("b"))));
        assertEquals("in-doubt", s(db.get(null, b("c"))));
        assertEquals(1, admin.list().size());
        new CairnXAResource(env).rollback(y);
        assertTrue(admin.list().isEmpty());
    }

    @Test
    void aConflictingWriterTimesOutNamingTheInDoubtXidAndGoesOnOnceItIsResolved() throws Exception {
        Xid x = prepared("k");
        env.internals().abandon(); // in doubt across a crash
        env = XaTestSupport.open(dir);
        db = env.openDatabase("t");
        admin = new InDoubtBranches(env);
        assertEquals(List.of(x), List.of(new CairnXAResource(env).recover(TMSTARTRSCAN)));

        // A plain engine writer: the engine names the holder's global id, which is the encoded Xid.
        Transaction plain = env.beginTransaction(new TransactionConfig().lockTimeout(Duration.ofMillis(100)));
        LockTimeoutException raw = assertThrows(LockTimeoutException.class, () -> db.put(plain, b("k"), b("x")));
        assertTrue(raw.getMessage().contains("0x" + XidCodec.hex(XidCodec.encode(x))), raw.getMessage());
        LockTimeoutException named = admin.explain(raw);
        assertTrue(named.getMessage().contains("in-doubt XA branch " + x), named.getMessage());
        assertSame(raw, named.getCause());

        // A writer in another XA branch gets the Xid named directly.
        CairnXAResource xa = new CairnXAResource(env);
        Xid w = xid();
        xa.start(w, TMNOFLAGS);
        xa.run(t -> t.setLockTimeout(Duration.ofMillis(100)));
        LockTimeoutException e = assertThrows(LockTimeoutException.class, () -> xa.run(t -> db.put(t, b("k"), b("y"))));
        assertTrue(e.getMessage().contains("in-doubt XA branch " + x), e.getMessage());
        XaTestSupport.assertXa(XAException.XA_RBTIMEOUT, () -> xa.end(w, TMSUCCESS));
        xa.rollback(w);

        new CairnXAResource(env).rollback(x);
        Transaction after = env.beginTransaction(new TransactionConfig().lockTimeout(Duration.ofMillis(100)));
        db.put(after, b("k"), b("free"));
        after.commit();
        assertEquals("free", s(db.get(null, b("k"))));
    }

    @Test
    void preparedTransactionsThatAreNotXaBranchesAreListedButNotRecovered() throws Exception {
        Transaction t = env.beginTransaction();
        db.put(t, b("k"), b("v"));
        t.prepare(b("not-an-xid"));
        Xid x = prepared("j");
        List<InDoubtBranch> list = admin.list();
        assertEquals(2, list.size());
        assertNull(list.get(0).xid());
        assertEquals(XidCodec.hex(b("not-an-xid")), list.get(0).globalId());
        assertTrue(list.get(0).toString().contains("0x" + XidCodec.hex(b("not-an-xid"))), list.get(0).toString());
        assertEquals(List.of(x), List.of(new CairnXAResource(env).recover(TMSTARTRSCAN)));
        LockTimeoutException raw = assertThrows(LockTimeoutException.class, () -> {
            Transaction w = env.beginTransaction(new TransactionConfig().lockTimeout(Duration.ofMillis(50)));
            db.put(w, b("k"), b("x"));
        });
        assertSame(raw, admin.explain(raw), "not an XA branch: nothing to add");
        assertInstanceOf(LockTimeoutException.class, raw);
        env.preparedTransaction(b("not-an-xid")).abort();
        new CairnXAResource(env).commit(x, false);
    }
}
