package org.cairndb.bench;

import java.util.function.Consumer;
import org.cairndb.bench.store.RetryableException;
import org.cairndb.bench.store.Session;

/** Runs a transaction to its durable commit, again and again while the store asks for a retry. */
public final class Txns {

    /** A transaction that cannot get through this many times in a row is a bug, not contention. */
    private static final int MAX_ATTEMPTS = 10_000;

    private Txns() {
    }

    /** Returns how many attempts were rolled back before the one that committed. */
    public static int run(Session s, Consumer<Session> body) {
        for (int retries = 0; ; retries++) {
            s.begin();
            try {
                body.accept(s);
                s.commit();
                return retries;
            } catch (RetryableException e) {
                s.abort();
                if (retries >= MAX_ATTEMPTS) {
                    throw new IllegalStateException("transaction failed " + MAX_ATTEMPTS + " times", e);
                }
            } catch (RuntimeException | Error e) {
                s.abort();
                throw e;
            }
        }
    }
}
