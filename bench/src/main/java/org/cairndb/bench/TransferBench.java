package org.cairndb.bench;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.cairndb.bench.data.Records;
import org.cairndb.bench.store.Session;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Benchmark 2: bank transfers, the workload of {@code cairn bench}. A transfer reads two distinct
 * random accounts out of 1,000 for update (in key order, so that transfers never deadlock on
 * each other), writes both new balances, inserts a history record keyed by the thread and its own
 * sequence number, and commits durably. A rolled-back attempt is run again. The score is commits
 * per second; after the run the balances must still add up, which checks every store's isolation.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class TransferBench {

    static final int ACCOUNTS = 0;
    static final int HISTORY = 1;
    static final long INITIAL_BALANCE = 1_000_000;

    @State(Scope.Benchmark)
    public static class Bank {
        @Param({"cairn", "je", "h2", "derby", "rocksdb"})
        public String store;

        @Param("1000")
        public int accounts;

        /**
         * How history records are keyed: {@code thread} (the thread's number, then its own
         * sequence, as {@code cairn bench} does: each thread appends at its own place in the table),
         * {@code sequence} (one shared counter: every insert goes to the end of the table, as a
         * ledger's would) or {@code random} (the shared counter scrambled, spreading inserts over
         * the table).
         */
        @Param("thread")
        public String history;

        /** Hands out thread numbers for {@code history=thread}. */
        final AtomicLong threadNumbers = new AtomicLong();

        OpenStore db;
        /** Counts the transfers begun; numbers the history records for history=sequence and random. */
        final AtomicLong historySeq = new AtomicLong();
        @Setup(Level.Trial)
        public void open() {
            db = new OpenStore(store, "transfer", List.of("accounts", "history"));
            try (Session s = db.kv.session()) {
                s.begin();
                for (int a = 0; a < accounts; a++) {
                    s.insert(ACCOUNTS, Records.key(a), account(INITIAL_BALANCE));
                }
                s.commitNoSync();
            }
            db.kv.checkpoint();
        }

        @TearDown(Level.Trial)
        public void close() {
            try (Session s = db.kv.session()) {
                long total = 0;
                for (int a = 0; a < accounts; a++) {
                    total += balance(s.read(ACCOUNTS, Records.key(a)));
                }
                long expected = INITIAL_BALANCE * accounts;
                System.out.printf("%n%s: %d transfers committed; balances add up to %d (expected %d)%n",
                        store, historySeq.get(), total, expected);
                if (total != expected) {
                    throw new IllegalStateException(store + " lost or invented money: balances add up to " + total
                            + ", expected " + expected + " (isolation or atomicity broken)");
                }
            } finally {
                db.close();
            }
        }
    }

    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Teller {
        /** Attempts rolled back (deadlock victim, conflict, lock timeout) and run again. */
        public long retries;

        Session session;
        SplittableRandom random;
        long threadNumber;
        long ownSeq;

        @Setup(Level.Trial)
        public void start(Bank bank) {
            threadNumber = bank.threadNumbers.getAndIncrement();
            session = bank.db.session();
            random = new SplittableRandom(System.nanoTime() ^ Thread.currentThread().getId());
        }
    }

    @Benchmark
    public void transfer(Bank bank, Teller t) {
        int from = t.random.nextInt(bank.accounts);
        int to = t.random.nextInt(bank.accounts - 1);
        if (to >= from) {
            to++;
        }
        long amount = 1 + t.random.nextInt(100);
        byte[] fromKey = Records.key(from);
        byte[] toKey = Records.key(to);
        long seq = bank.historySeq.getAndIncrement(); // also counts the transfers
        byte[] historyKey = switch (bank.history) {
            case "thread" -> historyKey(t.threadNumber, t.ownSeq++);
            case "sequence" -> Records.key(seq);
            case "random" -> Records.key(Records.mix(seq) >>> 1);
            default -> throw new IllegalArgumentException("history must be thread, sequence or random");
        };
        byte[] historyValue = history(from, to, amount);
        boolean fromFirst = from < to; // lock in key order
        t.retries += Txns.run(t.session, s -> {
            byte[] first = s.getForUpdate(ACCOUNTS, fromFirst ? fromKey : toKey);
            byte[] second = s.getForUpdate(ACCOUNTS, fromFirst ? toKey : fromKey);
            byte[] fromValue = fromFirst ? first : second;
            byte[] toValue = fromFirst ? second : first;
            s.put(ACCOUNTS, fromKey, account(balance(fromValue) - amount));
            s.put(ACCOUNTS, toKey, account(balance(toValue) + amount));
            s.insert(HISTORY, historyKey, historyValue);
        });
    }

    /** An account record: its balance in the first 8 bytes, padded to the usual 100-byte value. */
    static byte[] account(long balance) {
        byte[] v = new byte[Records.VALUE_SIZE];
        Arrays.fill(v, 8, v.length, (byte) 'a');
        Records.putLong(v, 0, balance);
        return v;
    }

    static long balance(byte[] account) {
        if (account == null) {
            throw new IllegalStateException("an account disappeared");
        }
        return Records.getLong(account, 0);
    }

    /** A 16-byte history key: the thread's number, then its own sequence number. */
    static byte[] historyKey(long thread, long seq) {
        byte[] k = new byte[Records.KEY_SIZE];
        Records.putLong(k, 0, thread);
        Records.putLong(k, 8, seq);
        return k;
    }

    /** A history record: from, to, amount and when. */
    static byte[] history(int from, int to, long amount) {
        byte[] v = new byte[24];
        Records.putLong(v, 0, ((long) from << 32) | to);
        Records.putLong(v, 8, amount);
        Records.putLong(v, 16, System.currentTimeMillis());
        return v;
    }
}
