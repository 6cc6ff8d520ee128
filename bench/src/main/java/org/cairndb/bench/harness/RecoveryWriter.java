package org.cairndb.bench.harness;

import java.nio.file.Path;
import java.util.List;
import org.cairndb.bench.BenchDirs;
import org.cairndb.bench.data.Records;
import org.cairndb.bench.store.KvStore;
import org.cairndb.bench.store.Session;
import org.cairndb.bench.store.StoreConfig;
import org.cairndb.bench.store.Stores;

/**
 * The child process of {@link RecoveryBench}: opens a store with background checkpoints off and
 * inserts records in random key order, 100 per durable transaction, for ever. Once it has
 * committed the target number of bytes of keys and values it prints {@code READY <n> <bytes>}
 * (records {@code 0..n-1} of the sequence are committed; the store's directory grew by
 * {@code bytes}) and keeps writing, so that the parent's SIGKILL lands in the middle of work, as a
 * real crash would.
 *
 * <p>The target counts the payload, not each store's log, so that every store has the same
 * committed transactions to recover; their logs differ by each store's overhead per record.
 *
 * <p>Arguments: store, directory, target bytes, cache bytes.
 */
public final class RecoveryWriter {

    static final int PER_TXN = 100;
    static final String READY = "READY";

    private RecoveryWriter() {
    }

    /** The record number written n-th: a bijective scramble, so keys land all over the tree. */
    static long recordNumber(long n) {
        return Records.mix(n) >>> 1; // non-negative, still one-to-one on the numbers we reach
    }

    public static void main(String[] args) {
        String store = args[0];
        Path dir = Path.of(args[1]);
        long target = Long.parseLong(args[2]);
        long records = (target / (Records.KEY_SIZE + Records.VALUE_SIZE) + PER_TXN - 1) / PER_TXN * PER_TXN;
        long cache = Long.parseLong(args[3]);
        StoreConfig config = new StoreConfig(cache, false);
        KvStore kv = Stores.open(store, dir, config, List.of("data"));
        long initial = BenchDirs.size(dir);
        boolean announced = false;
        try (Session s = kv.session()) {
            for (long n = 0; ; ) {
                long end = n + PER_TXN;
                s.begin();
                for (long i = n; i < end; i++) {
                    long m = recordNumber(i);
                    s.insert(0, Records.key(m), Records.value(m));
                }
                s.commit();
                n = end;
                if (!announced && n >= records) {
                    System.out.println(READY + " " + n + " " + (BenchDirs.size(dir) - initial));
                    System.out.flush();
                    announced = true;
                }
            }
        }
    }
}
