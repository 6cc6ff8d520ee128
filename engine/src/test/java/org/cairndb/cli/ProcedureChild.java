package org.cairndb.cli;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.Transaction;
import org.cairndb.TransactionConfig;
import org.cairndb.backup.BackupOptions;
import org.cairndb.backup.Failover;
import org.cairndb.backup.HotBackup;
import org.cairndb.io.FileIO;
import org.cairndb.io.NioFileIO;
import org.cairndb.io.StoppingFileIO;

/**
 * The process {@link ProcedureKillTest} kills part way through an admin procedure. Every file
 * operation that changes something under COUNTED goes through a {@link StoppingFileIO}; at the
 * STOP-th one the child writes what it reached into REACHED and stops there, for its parent to
 * kill it.
 *
 * <pre>
 * REACHED STOP COUNTED cli ARGS...                 runs "cairn ARGS..." (exit status: the command's)
 * REACHED STOP COUNTED writer HOME ACKS hotbackup|failover TARGET
 * </pre>
 *
 * COUNTED is a directory (everything under it counts) or {@code regex:} and a pattern the absolute
 * path must match. The writer form is a running application doing the procedure through the engine's API (as the
 * adapter's MBean does): it opens HOME, commits keys {@code w000000, w000001, ...} under SYNC from
 * a thread, appending each number to ACKS once its commit returned, writes {@code BEGIN} into ACKS
 * after 20 of them, and runs the procedure into TARGET while the commits go on.
 */
public final class ProcedureChild {

    private ProcedureChild() {
    }

    public static void main(String[] args) throws Exception {
        Path reached = Path.of(args[0]);
        long stop = Long.parseLong(args[1]);
        java.util.function.Predicate<Path> which;
        if (args[2].startsWith("regex:")) {
            java.util.regex.Pattern pattern = java.util.regex.Pattern.compile(args[2].substring("regex:".length()));
            which = p -> pattern.matcher(p.toString()).matches();
        } else {
            Path counted = Path.of(args[2]).toAbsolutePath().normalize();
            which = p -> p.startsWith(counted);
        }
        FileIO io = new StoppingFileIO(NioFileIO.INSTANCE, which, stop, what -> report(reached, what));
        String[] rest = java.util.Arrays.copyOfRange(args, 4, args.length);
        if (args[3].equals("cli")) {
            Homes.fileIOForTests = io;
            HotbackupCommand.fileIOForTests = io;
            PrintWriter out = new PrintWriter(System.out, true);
            PrintWriter err = new PrintWriter(System.err, true);
            System.exit(CairnCli.run(rest, out, err, InputStream.nullInputStream()));
        }
        writer(io, Path.of(rest[0]), Path.of(rest[1]), rest[2], Path.of(rest[3]));
        System.exit(0);
    }

    private static void report(Path reached, String what) {
        try {
            Path tmp = reached.resolveSibling(reached.getFileName() + ".tmp");
            Files.writeString(tmp, what + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, reached, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Large enough that the commits acknowledged before the procedure begins span several 64 KiB segments. */
    static final int VALUE_SIZE = 8000;

    static String key(long n) {
        return String.format("w%06d", n);
    }

    private static void writer(FileIO io, Path home, Path acks, String procedure, Path target) throws Exception {
        try (Environment env = Environment.open(home, new EnvironmentConfig().allowCreate(false).fileIO(io));
                FileOutputStream ack = new FileOutputStream(acks.toFile(), true)) {
            Database db = env.openDatabase("db");
            Object lock = new Object();
            long[] acked = {0};
            // A flag, not an interrupt: an interrupt during a force closes the log's file channel.
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            Thread t = new Thread(() -> {
                TransactionConfig sync = new TransactionConfig().durability(Durability.SYNC);
                for (long n = 0; !stop.get(); n++) {
                    try (Transaction txn = env.beginTransaction(sync)) {
                        db.put(txn, TestEnvironments.b(key(n)), new byte[VALUE_SIZE]);
                        txn.commit();
                    }
                    synchronized (lock) {
                        try {
                            ack.write((n + "\n").getBytes(StandardCharsets.US_ASCII));
                            ack.flush();
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                        acked[0]++;
                        lock.notifyAll();
                    }
                }
            }, "writer");
            t.setDaemon(true);
            t.start();
            synchronized (lock) {
                long deadline = System.currentTimeMillis() + 60_000;
                while (acked[0] < 20 && System.currentTimeMillis() < deadline) {
                    lock.wait(1000);
                }
                ack.write("BEGIN\n".getBytes(StandardCharsets.US_ASCII));
                ack.flush();
            }
            if (procedure.equals("hotbackup")) {
                HotBackup.run(env.internals(), target, BackupOptions.defaults());
            } else {
                Failover.update(env.internals(), target, BackupOptions.defaults());
            }
            stop.set(true);
            t.join();
        }
        Files.writeString(acks, "DONE\n", StandardOpenOption.APPEND);
    }
}
