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
 * <p>{@code prepare HOME N}: prepares (the first phase of a two-phase commit) one transaction of N
 * writes of 8-byte keys and values, then halts the JVM without a checkpoint: the transaction is in
 * doubt, in the log only.
 *
 * <p>{@code recover HOME}: opens the environment, whose recovery restores the transaction with its
 * writes and locks; prints {@code refused: MESSAGE} when recovery says it ran out of memory
 * ({@link EnvironmentFailureException}), {@code recovered: REPORT} when it did not run out. Any
 * other failure (a bare OutOfMemoryError) ends the JVM with an error status.
 */
public final class CrashedPreparedTransaction {

    private CrashedPreparedTransaction() {
    }

    public static void main(String[] args) {
        Path home = Path.of(args[1]);
        if (args[0].equals("prepare")) {
            Environment env = Environment.open(home, new EnvironmentConfig().checkpointerEnabled(false)
                    .cacheSize(64L << 20));
            Database db = env.openDatabase("many");
            Transaction txn = env.beginTransaction();
            int n = Integer.parseInt(args[2]);
            for (int i = 0; i < n; i++) {
                byte[] key = String.format("%08d", i).getBytes();
                db.put(txn, key, key);
            }
            txn.prepare("in doubt".getBytes());
            System.out.println("prepared");
            System.out.flush();
            Runtime.getRuntime().halt(0); // a crash: the transaction stays in doubt
        }
        try (Environment env = Environment.open(home)) {
            System.out.println("recovered: " + env.recoveryReport());
        } catch (EnvironmentFailureException e) {
            System.out.println("refused: " + e.getMessage());
        }
    }
}
