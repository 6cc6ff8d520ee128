package org.cairndb.large;

import java.nio.file.Path;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.EnvironmentFailureException;
import org.cairndb.Transaction;

/**
 * Child-JVM program for {@link RecoveryOfALargeTransactionTest}, in two roles.
 *
 * <p>{@code write HOME}: commits one transaction of two 15 MiB values, then halts the JVM without
 * a checkpoint: the transaction is in the log only.
 *
 * <p>{@code recover HOME}: opens the environment; prints {@code refused: MESSAGE} when recovery
 * says it ran out of memory ({@link EnvironmentFailureException}), {@code recovered} when it did
 * not run out. Any other failure (a bare OutOfMemoryError) ends the JVM with an error status.
 */
public final class CrashedLargeTransaction {

    static final int VALUE_BYTES = 15 << 20;

    private CrashedLargeTransaction() {
    }

    public static void main(String[] args) {
        Path home = Path.of(args[1]);
        if (args[0].equals("write")) {
            Environment env = Environment.open(home, new EnvironmentConfig().checkpointerEnabled(false)
                    .cacheSize(256L << 20));
            Database db = env.openDatabase("big");
            try (Transaction txn = env.beginTransaction()) {
                db.put(txn, "a".getBytes(), new byte[VALUE_BYTES]);
                db.put(txn, "b".getBytes(), new byte[VALUE_BYTES]);
                txn.commit();
            }
            System.out.println("committed");
            System.out.flush();
            Runtime.getRuntime().halt(0); // a crash: nothing checkpointed
        }
        try (Environment env = Environment.open(home)) {
            System.out.println("recovered: " + env.recoveryReport());
        } catch (EnvironmentFailureException e) {
            System.out.println("refused: " + e.getMessage());
        }
    }
}
