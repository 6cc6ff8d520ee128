package org.cairndb.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cairndb.bench.store.KvStore;
import org.cairndb.bench.store.Session;
import org.cairndb.bench.store.StoreConfig;
import org.cairndb.bench.store.Stores;

/**
 * A store opened in a fresh directory for one benchmark trial, with the sessions handed out to its
 * threads. Closing it closes those sessions first: JMH may tear the shared state down before the
 * threads' own states, and no store likes a session used after it closed.
 */
public final class OpenStore implements AutoCloseable {

    public final KvStore kv;
    private final Path dir;
    private final List<Session> sessions = new ArrayList<>();

    public OpenStore(String store, String benchmark, List<String> tables) {
        this(store, benchmark, tables, StoreConfig.defaults());
    }

    public OpenStore(String store, String benchmark, List<String> tables, StoreConfig config) {
        dir = BenchDirs.fresh(benchmark + "-" + store);
        KvStore opened;
        try {
            opened = Stores.open(store, dir, config, tables);
        } catch (RuntimeException e) {
            BenchDirs.delete(dir);
            throw e;
        }
        kv = opened;
    }

    public synchronized Session session() {
        Session s = kv.session();
        sessions.add(s);
        return s;
    }

    @Override
    public synchronized void close() {
        try {
            for (Session s : sessions) {
                s.close();
            }
            sessions.clear();
            String stats = kv.stats();
            if (!stats.isEmpty()) {
                System.out.println("\n" + kv.name() + " stats: " + stats);
            }
            kv.close();
        } finally {
            BenchDirs.delete(dir);
        }
    }
}
