package org.cairndb.tools;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongPredicate;
import org.cairndb.Cursor;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.Transaction;
import org.cairndb.TransactionConfig;
import org.cairndb.TransactionException;
import org.cairndb.util.Counted;

/**
 * A pgbench-style bank: accounts, transfers between them, and a check that no money was made or
 * lost. It measures commit throughput and latency, and, with an acknowledgement file, proves after
 * a crash that every commit that returned survived.
 *
 * <ul>
 * <li><b>init</b>: database {@value #ACCOUNTS} holds keys {@code acct-00000000}, {@code acct-00000001},
 * ... with the ASCII balance {@code 1000}; database {@value #HISTORY} is emptied.</li>
 * <li><b>run</b>: each transaction reads two distinct random accounts (locking them in key order
 * with getForUpdate, so that transfers in opposite directions do not deadlock), moves a random
 * amount from one to the other (balances may go negative), and inserts into {@value #HISTORY} a
 * transfer id unique across runs with the value {@code from,to,amount}. A transaction that fails
 * with a {@link TransactionException} (deadlock, lock timeout, conflict) is retried. After each
 * commit returns, its id is appended to the acknowledgement file, if any, and flushed.</li>
 * <li><b>check</b>: balances sum to N x 1000, and each account's balance is 1000 plus what the
 * history moved into it minus what it moved out.</li>
 * <li><b>check acks</b>: every id in an acknowledgement file is in {@value #HISTORY}.</li>
 * </ul>
 */
public final class Bench {

    public static final String ACCOUNTS = "accounts";
    public static final String HISTORY = "history";
    public static final long INITIAL_BALANCE = 1000;
    /** Account numbers have eight digits. */
    public static final int MAX_ACCOUNTS = 100_000_000;
    private static final int INIT_BATCH = 10_000;
    private static final int MAX_RETRIES = 10_000;
    private static final int MAX_AMOUNT = 100;

    private Bench() {
    }

    /** The key of account {@code n}: {@code acct-} and eight digits. */
    public static byte[] accountKey(long n) {
        return ascii(String.format(Locale.ROOT, "acct-%08d", n));
    }

    // ---- init ----

    /** Creates {@code accounts} accounts of balance 1000 and an empty history, replacing any earlier ones. */
    public static void init(Environment env, int accounts, PrintWriter out) {
        if (accounts < 2 || accounts > MAX_ACCOUNTS) {
            throw new IllegalArgumentException("--accounts must be from 2 to " + MAX_ACCOUNTS + ", not " + accounts);
        }
        for (String name : List.of(ACCOUNTS, HISTORY)) {
            if (env.databaseExists(name)) {
                env.removeDatabase(name);
            }
        }
        Database db = env.openDatabase(ACCOUNTS);
        env.openDatabase(HISTORY);
        byte[] balance = ascii(Long.toString(INITIAL_BALANCE));
        TransactionConfig batchConfig = new TransactionConfig().durability(Durability.WRITE_NO_SYNC);
        long t0 = System.nanoTime();
        for (int from = 0; from < accounts; from += INIT_BATCH) {
            try (Transaction txn = env.beginTransaction(batchConfig)) {
                for (int n = from; n < Math.min(accounts, from + INIT_BATCH); n++) {
                    db.put(txn, accountKey(n), balance);
                }
                txn.commit();
            }
        }
        // One forced checkpoint makes the whole load durable at once, instead of a force per batch.
        env.checkpoint(true);
        out.printf(Locale.ROOT, "created %d accounts of balance %d and an empty history in %.1f s%n", accounts,
                INITIAL_BALANCE, (System.nanoTime() - t0) / 1e9);
        out.flush();
    }

    // ---- run ----

    /**
     * How to run transfers.
     *
     * @param threads        concurrent workers
     * @param seconds        run this long (0: until {@code transactions} are done)
     * @param transactions   run this many transfers in all (0: until {@code seconds} are up)
     * @param durability     commit durability
     * @param ackFile        where to append each committed transfer's id (null: nowhere)
     * @param progressMillis interval of progress lines
     */
    public record RunConfig(int threads, long seconds, long transactions, Durability durability, Path ackFile,
            long progressMillis) {
        public RunConfig {
            if (threads < 1) {
                throw new IllegalArgumentException("--threads must be at least 1, not " + threads);
            }
            if (seconds < 0 || transactions < 0 || (seconds == 0) == (transactions == 0)) {
                throw new IllegalArgumentException("give exactly one of --seconds and --transactions, with a positive value");
            }
            if (progressMillis < 1) {
                throw new IllegalArgumentException("progress interval must be positive");
            }
        }
    }

    /** What a run did. Latencies are from the start of a transfer's first attempt to its commit's return. */
    public record RunResult(long commits, long retries, double seconds, double commitsPerSecond, double p50Millis,
            double p99Millis, double maxMillis, boolean interrupted) {
    }

    /**
     * Runs transfers until the time or the count is reached, or until {@code stop} returns true
     * (it is polled with the milliseconds elapsed; the command line passes Ctrl-C through it).
     */
    public static RunResult run(Environment env, RunConfig config, PrintWriter out, LongPredicate stop)
            throws IOException, InterruptedException {
        if (!env.databaseExists(ACCOUNTS) || env.openDatabase(ACCOUNTS, false).count() < 2) {
            throw new IllegalStateException("no accounts in " + env.home() + ": run cairn bench --init --accounts N first");
        }
        Database accounts = env.openDatabase(ACCOUNTS, false);
        Database history = env.openDatabase(HISTORY);
        long n = accounts.count();
        String runId = Long.toString(System.currentTimeMillis(), 36) + "-"
                + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36 * 36), 36);
        try (AckLog acks = config.ackFile() == null ? null : new AckLog(config.ackFile())) {
            Workers w = new Workers(env, accounts, history, n, runId, config, acks);
            return w.run(out, stop);
        }
    }

    /** The worker threads of one run and what they share. */
    private static final class Workers {
        private final Environment env;
        private final Database accounts;
        private final Database history;
        private final long accountCount;
        private final String runId;
        private final RunConfig config;
        private final AckLog acks;
        private final TransactionConfig txnConfig;
        private final AtomicBoolean stopping = new AtomicBoolean();
        private final AtomicLong claimed = new AtomicLong();
        private final LongAdder commits = new LongAdder();
        private final LongAdder retries = new LongAdder();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final List<LatencyHistogram> histograms = new ArrayList<>();

        Workers(Environment env, Database accounts, Database history, long accountCount, String runId, RunConfig config,
                AckLog acks) {
            this.env = env;
            this.accounts = accounts;
            this.history = history;
            this.accountCount = accountCount;
            this.runId = runId;
            this.config = config;
            this.acks = acks;
            // Every read of a transfer locks its account (getForUpdate), so READ_COMMITTED is exact here,
            // as READ COMMITTED is for pgbench: locking reads see the newest commit, and no transfer
            // fails because its snapshot predates the commit it waited for.
            this.txnConfig = new TransactionConfig().durability(config.durability())
                    .isolation(org.cairndb.IsolationLevel.READ_COMMITTED);
        }

        RunResult run(PrintWriter out, LongPredicate stop) throws IOException, InterruptedException {
            out.printf(Locale.ROOT, "running transfers on %s with %s (%s), run id %s%n", Counted.of(accountCount, "account"),
                    Counted.of(config.threads(), "thread"), config.durability(), runId);
            out.flush();
            List<Thread> threads = new ArrayList<>();
            CountDownLatch finished = new CountDownLatch(config.threads());
            long t0 = System.nanoTime();
            for (int i = 0; i < config.threads(); i++) {
                LatencyHistogram h = new LatencyHistogram();
                histograms.add(h);
                int index = i;
                Thread t = new Thread(() -> {
                    try {
                        work(index, h);
                    } finally {
                        finished.countDown();
                    }
                }, "cairn-bench-" + i);
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
            boolean interrupted = false;
            long deadline = config.seconds() > 0 ? t0 + config.seconds() * 1_000_000_000L : Long.MAX_VALUE;
            long nextProgress = t0 + config.progressMillis() * 1_000_000L;
            long lastCommits = 0;
            long lastProgressAt = t0;
            try {
                while (finished.getCount() > 0 && failure.get() == null) {
                    long now = System.nanoTime();
                    if (now >= deadline) {
                        break;
                    }
                    if (stop.test((now - t0) / 1_000_000)) {
                        interrupted = true;
                        break;
                    }
                    if (now >= nextProgress) {
                        long c = commits.sum();
                        out.printf(Locale.ROOT, "progress: %.1f s, %d commits, %.1f commits/s, %d retries%n",
                                (now - t0) / 1e9, c, (c - lastCommits) / ((now - lastProgressAt) / 1e9), retries.sum());
                        out.flush();
                        lastCommits = c;
                        lastProgressAt = now;
                        nextProgress += config.progressMillis() * 1_000_000L;
                    }
                    long wait = Math.min(Math.min(deadline, nextProgress) - now, 100_000_000L);
                    finished.await(Math.max(1, wait / 1_000_000), TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
            stopping.set(true);
            for (Thread t : threads) {
                t.join();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            Throwable f = failure.get();
            if (f != null) {
                if (f instanceof RuntimeException re) {
                    throw re;
                }
                if (f instanceof IOException io) {
                    throw io;
                }
                throw new IllegalStateException(f);
            }
            LatencyHistogram all = new LatencyHistogram();
            histograms.forEach(all::add);
            long c = commits.sum();
            RunResult r = new RunResult(c, retries.sum(), seconds, c / seconds, all.quantile(0.50) / 1e6,
                    all.quantile(0.99) / 1e6, all.max() / 1e6, interrupted);
            out.printf(Locale.ROOT, "%s%d commits in %.2f s with %s (%s): %.1f commits/s, %d retries%n",
                    interrupted ? "interrupted: " : "", r.commits(), r.seconds(), Counted.of(config.threads(), "thread"),
                    config.durability(),
                    r.commitsPerSecond(), r.retries());
            out.printf(Locale.ROOT, "latency ms: p50 %.3f, p99 %.3f, max %.3f%n", r.p50Millis(), r.p99Millis(),
                    r.maxMillis());
            out.flush();
            return r;
        }

        private void work(int index, LatencyHistogram latencies) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            long seq = 0;
            try {
                while (!stopping.get() && failure.get() == null) {
                    if (config.transactions() > 0 && claimed.getAndIncrement() >= config.transactions()) {
                        return;
                    }
                    long from = random.nextLong(accountCount);
                    long to = random.nextLong(accountCount - 1);
                    if (to >= from) {
                        to++;
                    }
                    long amount = 1 + random.nextLong(MAX_AMOUNT);
                    String id = "t" + runId + "-" + index + "-" + seq++;
                    long t0 = System.nanoTime();
                    transfer(from, to, amount, id);
                    latencies.record(System.nanoTime() - t0);
                    commits.increment();
                    if (acks != null) {
                        acks.ack(id);
                    }
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }

        /** One transfer, retried until it commits. */
        private void transfer(long from, long to, long amount, String id) {
            byte[] fromKey = accountKey(from);
            byte[] toKey = accountKey(to);
            byte[] record = ascii(from + "," + to + "," + amount);
            for (int attempt = 0; ; attempt++) {
                try (Transaction txn = env.beginTransaction(txnConfig)) {
                    // Lock both accounts in key order: two transfers between the same pair wait, never deadlock.
                    boolean fromFirst = from < to;
                    byte[] first = accounts.getForUpdate(txn, fromFirst ? fromKey : toKey);
                    byte[] second = accounts.getForUpdate(txn, fromFirst ? toKey : fromKey);
                    long fromBalance = balance(fromFirst ? first : second, from);
                    long toBalance = balance(fromFirst ? second : first, to);
                    accounts.put(txn, fromKey, ascii(Long.toString(fromBalance - amount)));
                    accounts.put(txn, toKey, ascii(Long.toString(toBalance + amount)));
                    if (!history.putIfAbsent(txn, ascii(id), record)) {
                        throw new IllegalStateException("transfer id " + id + " is already in " + HISTORY);
                    }
                    txn.commit();
                    return;
                } catch (TransactionException e) {
                    retries.increment();
                    if (attempt >= MAX_RETRIES) {
                        throw new IllegalStateException("transfer " + id + " failed " + MAX_RETRIES + " times; last: "
                                + e.getMessage(), e);
                    }
                }
            }
        }
    }

    /** Appends committed transfer ids, one per line, each flushed to the operating system before the next commit is acked. */
    private static final class AckLog implements AutoCloseable {
        private final Writer writer;

        AckLog(Path file) throws IOException {
            this.writer = new BufferedWriter(Files.newBufferedWriter(file, StandardCharsets.US_ASCII,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE));
        }

        synchronized void ack(String id) throws IOException {
            writer.write(id);
            writer.write('\n');
            writer.flush();
        }

        @Override
        public synchronized void close() throws IOException {
            writer.close();
        }
    }

    // ---- checks ----

    /** The outcome of a check: {@code ok}, or the first thing found wrong. */
    public record CheckResult(boolean ok, String message) {
    }

    /** Checks that money was neither made nor lost, and that every balance agrees with the history. */
    public static CheckResult check(Environment env) {
        if (!env.databaseExists(ACCOUNTS)) {
            return new CheckResult(false, "no " + ACCOUNTS + " database in " + env.home()
                    + ": run cairn bench --init --accounts N first");
        }
        Database accounts = env.openDatabase(ACCOUNTS, false);
        // A missing history is an empty one; a check creates nothing (it may look at read-only media).
        Database history = env.databaseExists(HISTORY) ? env.openDatabase(HISTORY, false) : null;
        // One transaction: the accounts and the history are read at the same snapshot.
        try (Transaction txn = env.beginTransaction()) {
            long n = accounts.count();
            if (n > MAX_ACCOUNTS) {
                return new CheckResult(false, ACCOUNTS + " holds " + n + " records, more than a bench creates");
            }
            long[] balances = new long[(int) n];
            long sum = 0;
            long index = 0;
            try (Cursor c = accounts.openCursor(txn)) {
                for (boolean ok = c.first(); ok; ok = c.next(), index++) {
                    String key = text(c.key());
                    String expected = text(accountKey(index));
                    if (index >= n || !key.equals(expected)) {
                        return new CheckResult(false, "expected account " + expected + " but found key '" + key + "' in "
                                + ACCOUNTS);
                    }
                    balances[(int) index] = balance(c.value(), index);
                    sum += balances[(int) index];
                }
            }
            if (index != n) {
                return new CheckResult(false, ACCOUNTS + " counts " + n + " records but a scan found " + index);
            }
            long[] in = new long[(int) n];
            long[] out = new long[(int) n];
            long transfers = 0;
            try (Cursor c = history == null ? null : history.openCursor(txn)) {
                for (boolean ok = c != null && c.first(); ok; ok = c.next()) {
                    String problem = addTransfer(text(c.key()), text(c.value()), n, in, out);
                    if (problem != null) {
                        return new CheckResult(false, problem);
                    }
                    transfers++;
                }
            }
            String wrongAccount = firstDisagreement(balances, in, out);
            if (sum != n * INITIAL_BALANCE) {
                // The sum alone says money was made or lost, not where: name the account too, as
                // that is what the admin looks at next.
                return new CheckResult(false, "the balances of the " + n + " accounts sum to " + sum + ", not " + n + " x "
                        + INITIAL_BALANCE + " = " + n * INITIAL_BALANCE
                        + (wrongAccount == null ? "" : "; the first wrong account: " + wrongAccount));
            }
            if (wrongAccount != null) {
                return new CheckResult(false, "account " + wrongAccount);
            }
            return new CheckResult(true, "ok: " + n + " accounts sum to " + sum + " and agree with " + transfers
                    + " transfers in " + HISTORY);
        }
    }

    /**
     * The first account whose balance is not 1000 plus what the history moved into it minus what it
     * moved out, described ("acct-00000003 has balance 995 but the history says ..."), or null.
     */
    private static String firstDisagreement(long[] balances, long[] in, long[] out) {
        for (int i = 0; i < balances.length; i++) {
            long expected = INITIAL_BALANCE + in[i] - out[i];
            if (balances[i] != expected) {
                return text(accountKey(i)) + " has balance " + balances[i] + " but the history says " + INITIAL_BALANCE
                        + " + " + in[i] + " in - " + out[i] + " out = " + expected;
            }
        }
        return null;
    }

    /** Adds one history record to the totals; returns what is wrong with it, or null. */
    private static String addTransfer(String id, String value, long n, long[] in, long[] out) {
        String[] parts = value.split(",", -1);
        try {
            if (parts.length != 3) {
                throw new NumberFormatException();
            }
            long from = Long.parseLong(parts[0]);
            long to = Long.parseLong(parts[1]);
            long amount = Long.parseLong(parts[2]);
            if (from < 0 || from >= n || to < 0 || to >= n) {
                return "transfer " + id + " (" + value + ") names an account outside 0.." + (n - 1);
            }
            out[(int) from] += amount;
            in[(int) to] += amount;
            return null;
        } catch (NumberFormatException e) {
            return "transfer " + id + " has value '" + value + "', not from,to,amount";
        }
    }

    /** Checks that every transfer id in {@code ackFile} is in the history. */
    public static CheckResult checkAcks(Environment env, Path ackFile) throws IOException {
        if (Files.isDirectory(ackFile)) {
            return new CheckResult(false, "acknowledgement file " + ackFile + " is a directory; give the file that"
                    + " --ack-file wrote");
        }
        if (!Files.isRegularFile(ackFile)) {
            return new CheckResult(false, "acknowledgement file " + ackFile + " does not exist");
        }
        Database history = env.databaseExists(HISTORY) ? env.openDatabase(HISTORY, false) : null;
        long checked = 0;
        long lineNo = 0;
        boolean partialLast = false;
        boolean lastLineOpen = endsWithoutNewline(ackFile);
        // Read as ISO-8859-1, which takes any byte: as US-ASCII a byte above 0x7f (garbage a crash left
        // in the file's last block, or a file that is no acknowledgement file) ended the check with
        // the decoder's "Input length = 1" and nothing else.
        try (BufferedReader r = Files.newBufferedReader(ackFile, StandardCharsets.ISO_8859_1)) {
            String line;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (line.isEmpty()) {
                    continue;
                }
                if (lastLineOpen && lineIsLast(r)) {
                    // A crash can cut the last id short; only complete lines were acknowledged.
                    partialLast = true;
                    break;
                }
                if (!line.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
                    return new CheckResult(false, "line " + lineNo + " of " + ackFile + " is not a transfer id: it holds"
                            + " bytes other than printable ASCII (the file was damaged, or is not the one --ack-file"
                            + " wrote)");
                }
                if (history == null || history.get(null, ascii(line)) == null) {
                    return new CheckResult(false, "transfer " + line + " (line " + lineNo + " of " + ackFile
                            + ") was acknowledged as committed but is not in " + HISTORY);
                }
                checked++;
            }
        }
        return new CheckResult(true, "ok: all " + checked + " acknowledged transfers are in " + HISTORY
                + (partialLast ? " (ignored an incomplete last line)" : ""));
    }

    private static boolean endsWithoutNewline(Path file) throws IOException {
        long size = Files.size(file);
        if (size == 0) {
            return false;
        }
        try (var ch = java.nio.channels.FileChannel.open(file)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
            ch.read(b, size - 1);
            return b.get(0) != '\n';
        }
    }

    private static boolean lineIsLast(BufferedReader r) throws IOException {
        r.mark(1);
        int c = r.read();
        if (c < 0) {
            return true;
        }
        r.reset();
        return false;
    }

    // ---- helpers ----

    private static long balance(byte[] value, long account) {
        if (value == null) {
            throw new IllegalStateException("account " + text(accountKey(account)) + " is missing");
        }
        try {
            return Long.parseLong(text(value));
        } catch (NumberFormatException e) {
            throw new IllegalStateException("account " + text(accountKey(account)) + " has balance '" + text(value)
                    + "', not a number");
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }
}
