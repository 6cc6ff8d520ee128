package org.cairndb.rar;

import jakarta.resource.NotSupportedException;
import jakarta.resource.ResourceException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;
import javax.transaction.xa.XAResource;
import org.cairndb.Environment;
import org.cairndb.HeuristicOutcome;
import org.cairndb.PreparedTransaction;
import org.cairndb.Transaction;

/**
 * SEAM(xa): the stand-in used until the {@code xa} module lands on main. Admin listing and heuristic
 * decisions work on the engine's prepared transactions (named by their global id in hex); there is no
 * XAResource, so connection definitions with XA support fail to enlist. Replace by the xa module's
 * {@code CairnXAResource} and {@code InDoubtBranches} (see XaBranchSupport once merged).
 */
final class EngineBranchSupport implements BranchSupport {

    private final Environment env;

    EngineBranchSupport(Environment env) {
        this.env = env;
    }

    @Override
    public Branches connect() {
        return new Branches() {
            @Override
            public XAResource xaResource() throws ResourceException {
                throw new NotSupportedException("XA transactions need the xa module, which this build of cairn.rar lacks");
            }

            @Override
            public Transaction transaction() {
                return null;
            }

            @Override
            public <T> T call(Function<Transaction, T> op) {
                throw new IllegalStateException("no XA branch");
            }

            @Override
            public void release() {
            }
        };
    }

    @Override
    public List<InDoubt> inDoubt() {
        Instant now = Instant.now();
        List<InDoubt> list = new ArrayList<>();
        for (PreparedTransaction p : env.preparedTransactions()) {
            List<String> blocking = new ArrayList<>();
            for (long id : p.blocking()) {
                blocking.add("transaction " + id);
            }
            list.add(new InDoubt(null, HexFormat.of().formatHex(p.globalId()), p.txnId(), p.preparedAt().toString(),
                    Duration.between(p.preparedAt(), now).toSeconds(), p.keysWritten(), p.locksHeld(), p.databases(),
                    blocking));
        }
        return list;
    }

    @Override
    public List<Heuristic> heuristics() {
        List<Heuristic> list = new ArrayList<>();
        for (HeuristicOutcome h : env.heuristicOutcomes()) {
            list.add(new Heuristic(null, HexFormat.of().formatHex(h.globalId()), h.txnId(), h.committed(),
                    h.decidedAt().toString()));
        }
        return list;
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
        byte[] gid = globalId(id);
        Transaction t = env.preparedTransaction(gid);
        if (t == null) {
            throw new IllegalArgumentException("no in-doubt branch " + id + " in " + env.home());
        }
        if (commit) {
            t.heuristicCommit();
        } else {
            t.heuristicRollback();
        }
        return "branch 0x" + HexFormat.of().formatHex(gid) + " heuristically " + (commit ? "committed" : "rolled back");
    }

    @Override
    public boolean forget(String id) {
        return env.forgetHeuristic(globalId(id));
    }

    private static byte[] globalId(String id) {
        String s = id == null ? "" : id.trim();
        if (s.startsWith("0x") || s.startsWith("0X")) {
            s = s.substring(2);
        }
        try {
            return HexFormat.of().parseHex(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + id + "' is not a global id in hex (0x...)");
        }
    }
}
