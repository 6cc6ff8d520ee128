package org.cairndb.xa;

import static javax.transaction.xa.XAException.*;
import static javax.transaction.xa.XAResource.*;
import static org.cairndb.xa.XaTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.transaction.xa.XAException;
import javax.transaction.xa.Xid;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScratchTest {
    @TempDir Path dir;
    Environment env;
    Database db;

    @BeforeEach void open() { env = open(dir); db = env.openDatabase("t"); }
    @AfterEach void close() { env.close(); }
    static Environment open(Path d) { return XaTestSupport.open(d); }

    @Test
    void edgeXids() throws Exception {
        byte[] g = new byte[64]; Arrays.fill(g, (byte) 0xff);
        byte[] q = new byte[64]; Arrays.fill(q, (byte) 0x80);
        for (int fmt : new int[] {0, Integer.MIN_VALUE, Integer.MAX_VALUE, -2}) {
            CairnXid x = new CairnXid(fmt, g, q);
            CairnXAResource xa = new CairnXAResource(env);
            xa.start(x, TMNOFLAGS);
            xa.run(t -> db.put(t, b("k" + fmt), b("v")));
            xa.end(x, TMSUCCESS);
            assertEquals(XA_OK, xa.prepare(x));
            env.close();
            env = open(dir); db = env.openDatabase("t");
            xa = new CairnXAResource(env);
            List<Xid> r = Arrays.asList(xa.recover(TMSTARTRSCAN | TMENDRSCAN));
            assertEquals(List.of(x), r);
            xa.commit(r.get(0), false);
        }
        // foreign Xid with formatId -1
        Xid nul = new Xid() {
            public int getFormatId() { return -1; }
            public byte[] getGlobalTransactionId() { return new byte[] {1}; }
            public byte[] getBranchQualifier() { return new byte[0]; }
        };
        CairnXAResource xa = new CairnXAResource(env);
        assertXa(XAER_INVAL, () -> xa.start(nul, TMNOFLAGS));
        assertXa(XAER_INVAL, () -> xa.commit(nul, true));
        assertXa(XAER_INVAL, () -> xa.rollback(nul));
        assertXa(XAER_INVAL, () -> xa.forget(nul));
        assertXa(XAER_INVAL, () -> xa.prepare(nul));
        assertXa(XAER_INVAL, () -> xa.end(nul, TMSUCCESS));
        Xid nullParts = new Xid() {
            public int getFormatId() { return 1; }
            public byte[] getGlobalTransactionId() { return null; }
            public byte[] getBranchQualifier() { return null; }
        };
        assertXa(XAER_INVAL, () -> xa.start(nullParts, TMNOFLAGS));
    }

    @Test
    void suspendedAndFailedOnePhase() throws Exception {
        CairnXAResource xa = new CairnXAResource(env);
        CairnXid x = xid();
        xa.start(x, TMNOFLAGS);
        xa.run(t -> db.put(t, b("a"), b("1")));
        xa.end(x, TMSUSPEND);
        XAException e = assertXa(XAER_PROTO, () -> xa.commit(x, true));
        System.out.println(e.getMessage());
        assertXa(XAER_PROTO, () -> xa.prepare(x));
        assertXa(XAER_PROTO, () -> xa.rollback(x));
        CairnXAResource other = new CairnXAResource(env);
        System.out.println(assertXa(XAER_PROTO, () -> other.end(x, TMSUCCESS)).getMessage());
        System.out.println(assertThrows(XAException.class, () -> other.start(x, TMRESUME)).getMessage());
        other.start(x, TMJOIN);
        other.end(x, TMFAIL);
        xa.end(x, TMSUCCESS);
        System.out.println(assertXa(XA_RBROLLBACK, () -> xa.commit(x, true)).getMessage());
        System.out.println(assertXa(XAER_NOTA, () -> xa.rollback(x)).getMessage());

        CairnXid y = xid();
        xa.start(y, TMNOFLAGS);
        xa.run(t -> db.put(t, b("b"), b("1")));
        xa.end(y, TMFAIL);
        System.out.println(assertXa(XA_RBROLLBACK, () -> xa.commit(y, true)).getMessage());
    }

    @Test
    void looselyCoupled() throws Exception {
        CairnXid a = xid();
        CairnXid b2 = branch(a, "other");
        CairnXAResource r1 = new CairnXAResource(env), r2 = new CairnXAResource(env);
        r1.start(a, TMNOFLAGS);
        r1.run(t -> db.put(t, b("k"), b("1")));
        r2.start(b2, TMNOFLAGS);
        Exception e = assertThrows(Exception.class, () -> r2.run(t -> db.put(t, b("k"), b("2"))));
        System.out.println(e);
        System.out.println(assertThrows(XAException.class, () -> r2.end(b2, TMSUCCESS)).getMessage());
        r1.end(a, TMSUCCESS);
        r1.prepare(a);
        r1.commit(a, false);
        System.out.println(Arrays.toString(r2.recover(TMSTARTRSCAN)));
    }
}
