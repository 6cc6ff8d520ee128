package org.cairndb.large;

import java.nio.file.Path;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.Transaction;
import org.cairndb.backup.BackupOptions;
import org.cairndb.backup.BackupResult;
import org.cairndb.backup.HotBackup;

/**
 * Child-JVM program for {@link BackupUpdateInASmallHeapTest}, in two roles.
 *
 * <p>{@code write HOME BACKUP N}: takes a hot backup of a new environment into BACKUP, then
 * commits N records of 1,000 bytes (in transactions of 1,000) that the backup does not hold yet.
 *
 * <p>{@code update HOME BACKUP}: opens the environment and updates the backup; the copy's
 * recovery replays every record written since. Prints {@code updated: RESULT}.
 */
public final class BackupUpdateOfManyRecords {

    private BackupUpdateOfManyRecords() {
    }

    public static void main(String[] args) throws Exception {
        Path home = Path.of(args[1]);
        Path backup = Path.of(args[2]);
        if (args[0].equals("write")) {
            try (Environment env = Environment.open(home, new EnvironmentConfig().durability(Durability.WRITE_NO_SYNC))) {
                Database db = env.openDatabase("many");
                HotBackup.run(env.internals(), backup, BackupOptions.defaults());
                int n = Integer.parseInt(args[3]);
                for (int done = 0; done < n; ) {
                    try (Transaction txn = env.beginTransaction()) {
                        for (int j = 0; j < 1000 && done < n; j++, done++) {
                            db.put(txn, LargeLoad.key(done), new byte[1000]);
                        }
                        txn.commit();
                    }
                }
            }
            System.out.println("written");
            return;
        }
        try (Environment env = Environment.open(home)) {
            BackupResult r = HotBackup.run(env.internals(), backup, BackupOptions.defaults().withUpdate(true));
            System.out.println("updated: " + r);
        }
    }
}
