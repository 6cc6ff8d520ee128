package org.cairndb.crash;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.Transaction;
import org.cairndb.TransactionConfig;
import org.cairndb.TransactionException;
import org.cairndb.io.NioFileIO;

/**
 * The process {@link SigkillTest} kills. It opens the environment (running recovery), then runs
 * bank transfers (under SYNC unless told otherwise) from several threads until it is killed, appending a line to the ack
 * file (and flushing it to the operating system) after each commit returns:
 *
 * <pre>
 * OPEN                          recovery done
 * C id from to amount           transfer committed
 * P gid-hex id from to amount   transfer prepared (two-phase) under that global id, then left in doubt
 * </pre>
 *
 * After {@code prepareAfter} commits it prepares {@code prepares} transfers and leaves them
 * prepared. A further thread checkpoints at random moments.
 *
 * <p>Arguments: home ackFile seed threads accounts idPrefix prepares prepareAfter [durability (default SYNC)]
 */
public final class TransferChild {

    private static FileOutputStream ack;

    private TransferChild() {
    }

    /** The global id under which a transfer is prepared: it encodes the transfer, so a test can tell what it does. */
    static byte[] globalId(Bank.Transfer t) {
        return ("gid " + t.line()).getBytes(StandardCharsets.US_ASCII);
    }

    /** The transfer a global id of {@link #globalId} stands for. */
    static Bank.Transfer transferOf(byte[] gid) {
        String[] f = new String(gid, StandardCharsets.US_ASCII).split(" ");
        return Bank.Transfer.ofLine(f, 1);
    }

    private static synchronized void ack(String line) throws IOException {
        ack.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
        ack.flush();
    }

    public static void main(String[] args) throws Exception {
        Path home = Path.of(args[0]);
        ack = new FileOutputStream(args[1], true);
        long seed = Long.parseLong(args[2]);
        int threads = Integer.parseInt(args[3]);
        int accounts = Integer.parseInt(args[4]);
        String prefix = args[5];
        int prepares = Integer.parseInt(args[6]);
        int prepareAfter = Integer.parseInt(args[7]);
        Durability durability = args.length > 8 ? Durability.valueOf(args[8]) : Durability.SYNC;

        Environment env = Environment.open(home, CrashRig.config(NioFileIO.INSTANCE, durability));
        Bank.create(env, accounts);
        Database acc = env.openDatabase(Bank.ACCOUNTS, false);
        Database hist = env.openDatabase(Bank.HISTORY, false);
        ack("OPEN");
        AtomicLong committed = new AtomicLong();
        // Short lock waits: accounts held by a prepared transaction are given up on quickly.
        TransactionConfig config = new TransactionConfig().durability(durability).lockTimeout(Duration.ofMillis(200));
        for (int i = 0; i < threads; i++) {
            Random r = new Random(seed * 31 + i);
            String id = prefix + "t" + i + "-";
            Thread t = new Thread(() -> {
                long seq = 0;
                while (true) {
                    Bank.Transfer tr = random(r, accounts, id + (seq++));
                    try (Transaction txn = env.beginTransaction(config)) {
                        Bank.apply(acc, hist, txn, tr);
                        txn.commit();
                    } catch (TransactionException e) {
                        continue; // rolled back (lock held by a prepared transaction, deadlock, conflict): try another
                    }
                    committed.incrementAndGet();
                    try {
                        ack("C " + tr.line());
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            }, "transfer-" + i);
            t.start();
        }
        Random r = new Random(seed ^ 0xC0FFEE);
        Thread checkpointer = new Thread(() -> {
            while (true) {
                try {
                    long target = committed.get() + 10 + r.nextInt(40);
                    while (committed.get() < target) {
                        Thread.sleep(1);
                    }
                    env.checkpoint(r.nextBoolean());
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "checkpointer");
        checkpointer.start();
        if (prepares > 0) {
            Random pr = new Random(seed ^ 0xBEEF);
            while (committed.get() < prepareAfter) {
                Thread.sleep(1);
            }
            int done = 0;
            for (int n = 0; done < prepares; n++) {
                Bank.Transfer tr = random(pr, accounts, prefix + "p" + n);
                byte[] gid = globalId(tr);
                try (Transaction txn = env.beginTransaction(config)) {
                    Bank.apply(acc, hist, txn, tr);
                    txn.prepare(gid);
                } catch (TransactionException e) {
                    continue;
                }
                ack("P " + HexFormat.of().formatHex(gid) + " " + tr.line());
                done++;
            }
        }
    }

    private static Bank.Transfer random(Random r, int accounts, String id) {
        int from = r.nextInt(accounts);
        int to = r.nextInt(accounts - 1);
        if (to >= from) {
            to++;
        }
        return new Bank.Transfer(id, from, to, 1 + r.nextInt(100));
    }
}
