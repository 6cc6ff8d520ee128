package org.cairndb.env;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import org.cairndb.log.CommitPoint;
import org.cairndb.tree.TreeWriter;
import org.cairndb.txn.Applier;
import org.cairndb.txn.Txn;
import org.cairndb.txn.Version;
import org.cairndb.txn.WriteSet;

/** Applies committed write sets to the databases' trees, one tree writer per database per batch. */
final class TreeApplier implements Applier {

    private final Catalog catalog;

    TreeApplier(Catalog catalog) {
        this.catalog = catalog;
    }

    @Override
    public Version apply(Version base, List<Txn> batch, long epoch) {
        Map<Integer, TreeWriter> writers = new HashMap<>();
        for (Txn t : batch) {
            WriteSet ws = t.writes();
            for (Integer dbId : ws.databases()) {
                TreeWriter w = writers.computeIfAbsent(dbId, id -> writerFor(base, id, epoch));
                if (w == null) {
                    continue; // the database was removed; its handle refused writes, this is a late straggler
                }
                NavigableMap<byte[], byte[]> m = ws.forDatabase(dbId);
                for (Map.Entry<byte[], byte[]> e : m.entrySet()) {
                    if (e.getValue() == WriteSet.TOMBSTONE) {
                        w.delete(e.getKey());
                    } else {
                        w.put(e.getKey(), e.getValue());
                    }
                }
            }
        }
        Txn lastCommitted = null;
        for (Txn t : batch) {
            if (t.commitMillis() != 0) { // committed writes (logged, or NOT_DURABLE)
                lastCommitted = t;
            }
        }
        CommitPoint last = lastCommitted == null ? base.lastCommit()
                : new CommitPoint(lastCommitted.id(), lastCommitted.commitMillis(), lastCommitted.commitPosition());
        Version.Root[] roots = base.copyRoots(0);
        for (Map.Entry<Integer, TreeWriter> e : writers.entrySet()) {
            TreeWriter w = e.getValue();
            if (w != null) {
                w.finish();
                roots[e.getKey()] = new Version.Root(w.root(), w.count());
            }
        }
        return new Version(epoch, roots, last);
    }

    private TreeWriter writerFor(Version base, int dbId, long epoch) {
        DatabaseImpl db = catalog.byId(dbId);
        Version.Root r = base.root(dbId);
        if (db == null || r == null) {
            return null;
        }
        return new TreeWriter(r.page(), r.count(), epoch, db.pageSize(), db.file(), db.file());
    }
}
