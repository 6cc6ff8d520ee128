package org.cairndb.rar;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.transaction.xa.XAResource;
import org.cairndb.Environment;
import org.cairndb.LockTimeoutException;
import org.cairndb.Transaction;
import org.cairndb.xa.CairnXAResource;
import org.cairndb.xa.CairnXid;
import org.cairndb.xa.HeuristicBranch;
import org.cairndb.xa.InDoubtBranch;
import org.cairndb.xa.InDoubtBranches;
import org.cairndb.xa.XidCodec;

/**
 * XA through the {@code xa} module: one {@link CairnXAResource} per managed connection (and per
 * recovery scan), the in-doubt list and heuristic decisions through {@link InDoubtBranches}. A branch
 * is named by its Xid ({@code formatId:gtridHex:bqualHex}) or by its engine global id ({@code 0x...});
 * a prepared transaction whose global id is not an Xid (prepared by a program without XA) is decided
 * through the engine directly.
 */
final class XaBranchSupport implements BranchSupport {

    private final Environment env;
    private final InDoubtBranches inDoubt;

    XaBranchSupport(Environment env) {
        this.env = env;
        this.inDoubt = new InDoubtBranches(env);
    }

    @Override
    public Branches connect(Supplier<String> outside) {
        CairnXAResource xa = new CairnXAResource(env, outside);
        return new Branches() {
            @Override
            public XAResource xaResource() {
                return xa;
            }

            @Override
            public Transaction transaction() {
                return xa.transaction();
            }

            @Override
            public List<String> associations() {
                return xa.associations();
            }

            @Override
            public <T> T call(Function<Transaction, T> op) {
                return xa.call(op);
            }

            @Override
            public void release() {
                xa.release();
            }
        };
    }

    @Override
    public LockTimeoutException explain(LockTimeoutException e) {
        return inDoubt.explain(e);
    }

    @Override
    public List<InDoubt> inDoubt() {
        List<InDoubt> out = new ArrayList<>();
        for (InDoubtBranch b : inDoubt.list()) {
            List<String> blocking = new ArrayList<>();
            b.blocking().forEach(w -> blocking.add(w.toString()));
            out.add(new InDoubt(b.xid() == null ? null : b.xid().toString(), b.globalId(), b.txnId(),
                    b.preparedAt().toString(), b.age().toSeconds(), b.keysWritten(), b.locksHeld(), b.databases(), blocking));
        }
        return out;
    }

    @Override
    public List<Heuristic> heuristics() {
        List<Heuristic> out = new ArrayList<>();
        for (HeuristicBranch h : inDoubt.heuristics()) {
            out.add(new Heuristic(h.xid() == null ? null : h.xid().toString(), h.globalId(), h.txnId(), h.committed(),
                    h.decidedAt().toString()));
        }
        return out;
    }

    @Override
    public String heuristicCommit(String id) {
        return decide(id, true);
    }

    @Override
    public String heuristicRollback(String id) {
        return decide(id, false);
    }

    private String decide(String id, boolean commit) {
        Named n = name(id);
        String decided = alreadyDecided(n);
        if (decided != null) {
            throw new IllegalArgumentException("branch " + id.trim() + " was already " + decided + "; nothing changed"
                    + " (it stays in HeuristicBranches until forget)");
        }
        if (n.xid != null) {
            HeuristicBranch h = commit ? inDoubt.heuristicCommit(n.xid) : inDoubt.heuristicRollback(n.xid);
            return h.toString();
        }
        Transaction t = env.preparedTransaction(n.globalId);
        if (t == null) {
            throw new IllegalArgumentException("no in-doubt branch " + id + " in " + env.home());
        }
        if (commit) {
            t.heuristicCommit();
        } else {
            t.heuristicRollback();
        }
        return "prepared transaction 0x" + HexFormat.of().formatHex(n.globalId) + " heuristically "
                + (commit ? "committed" : "rolled back");
    }

    /** How the branch was decided heuristically ("heuristically committed at ..."), or null if it was not. */
    private String alreadyDecided(Named n) {
        String gid = HexFormat.of().formatHex(n.globalId);
        for (Heuristic h : heuristics()) {
            if (gid.equalsIgnoreCase(h.globalId()) || n.xid != null && n.xid.toString().equals(h.xid())) {
                return "heuristically " + (h.committed() ? "committed" : "rolled back") + " at " + h.decidedAt();
            }
        }
        return null;
    }

    @Override
    public boolean forget(String id) {
        Named n = name(id);
        return n.xid != null ? inDoubt.forget(n.xid) : env.forgetHeuristic(n.globalId);
    }

    private record Named(CairnXid xid, byte[] globalId) {
    }

    /** An Xid in text form, or a global id in hex (which may encode an Xid). */
    private static Named name(String id) {
        String s = id == null ? "" : id.trim();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("give the branch: its Xid as formatId:gtridHex:bqualHex, or its global"
                    + " id as 0x...");
        }
        // InDoubtBranches and HeuristicBranches show the global id in hex without 0x; an Xid has colons,
        // so hex digits alone can only be a global id.
        boolean bareHex = !s.isEmpty() && s.chars().allMatch(c -> Character.digit(c, 16) >= 0);
        if (s.startsWith("0x") || s.startsWith("0X") || bareHex) {
            byte[] gid;
            try {
                gid = HexFormat.of().parseHex(bareHex ? s : s.substring(2));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + id + "' is not a global id in hex (0x..., an even number of hex"
                        + " digits)");
            }
            return new Named(XidCodec.decode(gid), gid);
        }
        CairnXid x;
        try {
            x = XidCodec.parse(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + id + "' is neither an Xid (formatId:gtridHex:bqualHex) nor a global"
                    + " id (0x...): " + e.getMessage());
        }
        return new Named(x, XidCodec.encode(x));
    }
}
