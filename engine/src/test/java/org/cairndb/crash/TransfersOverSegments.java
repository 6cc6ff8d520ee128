package org.cairndb.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.TransactionConfig;
import org.cairndb.io.NioFileIO;

/**
 * For log-damage tests: an environment of SYNC bank transfers over small (64 KiB) segments,
 * abandoned as a crash leaves it once its log spans a given number of segments, with the ids of
 * every acknowledged transfer. No checkpoint runs, so recovery reads every segment.
 *
 * @param home  the crashed environment
 * @param acked every transfer whose commit returned, in order
 */
record TransfersOverSegments(Path home, List<String> acked) {

    static EnvironmentConfig config(long cacheBytes) {
        return CrashRig.config(NioFileIO.INSTANCE, Durability.SYNC).logSegmentSize(64 << 10).checkpointerEnabled(false)
                .checkpointKBytes(0).cacheSize(cacheBytes);
    }

    /**
     * Transfers between {@code accounts} accounts (seeded by {@code name}) until the log has
     * {@code segments} segments and a multiple of {@code roundTo} transfers, then a crash.
     */
    static TransfersOverSegments crash(Path home, String name, int accounts, int segments, int roundTo,
            EnvironmentConfig config) throws IOException {
        List<String> acked = new ArrayList<>();
        Environment env = Environment.open(home, config);
        Bank.create(env, accounts);
        Database acc = env.openDatabase(Bank.ACCOUNTS, false);
        Database hist = env.openDatabase(Bank.HISTORY, false);
        Random r = new Random(name.hashCode());
        for (int i = 0; CrashRig.segments(home).size() < segments || i % roundTo != 0; i++) {
            int from = r.nextInt(accounts);
            int to = (from + 1 + r.nextInt(accounts - 1)) % accounts;
            Bank.Transfer t = new Bank.Transfer(name + "-" + i, from, to, 1 + r.nextInt(50));
            Bank.transfer(env, acc, hist, t, new TransactionConfig().durability(Durability.SYNC));
            acked.add(t.id());
        }
        env.internals().abandon();
        assertEquals(segments, CrashRig.segments(home).size());
        return new TransfersOverSegments(home, acked);
    }
}
