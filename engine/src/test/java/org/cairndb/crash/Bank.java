package org.cairndb.crash;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.cairndb.Cursor;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.Transaction;
import org.cairndb.TransactionConfig;
import org.cairndb.TransactionException;

/**
 * The bank the crash tests run: a database {@value #ACCOUNTS} of {@code n} accounts
 * {@code acct-00000000}.. whose values are balances in ASCII decimal, starting at 1000 each, and
 * a database {@value #HISTORY} with one record per transfer ({@code h-<id>} to
 * {@code from,to,amount}). Every transfer moves an amount between two accounts and inserts its
 * history record in one transaction, so after any crash:
 * <ul>
 * <li>the balances sum to {@code n * 1000};</li>
 * <li>each balance is {@code 1000 + in - out} according to the history present;</li>
 * <li>every transfer acknowledged under SYNC is in the history.</li>
 * </ul>
 */
public final class Bank {

    public static final String ACCOUNTS = "accounts";
    public static final String HISTORY = "history";
    static final long INITIAL = 1000;

    /** A transfer of {@code amount} from account {@code from} to account {@code to}. */
    public record Transfer(String id, int from, int to, long amount) {
        byte[] historyKey() {
            return historyKey(id);
        }

        static byte[] historyKey(String id) {
            return bytes("h-" + id);
        }

        byte[] historyValue() {
            return bytes(from + "," + to + "," + amount);
        }

        static Transfer parse(String id, byte[] value) {
            String[] f = new String(value, StandardCharsets.US_ASCII).split(",");
            if (f.length != 3) {
                throw new AssertionError("malformed history record h-" + id + ": " + new String(value, StandardCharsets.US_ASCII));
            }
            return new Transfer(id, Integer.parseInt(f[0]), Integer.parseInt(f[1]), Long.parseLong(f[2]));
        }

        /** Line form for ack files: {@code id from to amount}. */
        String line() {
            return id + " " + from + " " + to + " " + amount;
        }

        static Transfer ofLine(String[] f, int at) {
            return new Transfer(f[at], Integer.parseInt(f[at + 1]), Integer.parseInt(f[at + 2]), Long.parseLong(f[at + 3]));
        }
    }

    private Bank() {
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] account(int i) {
        return bytes(String.format("acct-%08d", i));
    }

    static long balance(byte[] value) {
        return Long.parseLong(new String(value, StandardCharsets.US_ASCII));
    }

    /** Creates the two databases and the accounts, durably, unless they exist. */
    public static void create(Environment env, int n) {
        Database acc = env.openDatabase(ACCOUNTS);
        env.openDatabase(HISTORY);
        if (acc.count() > 0) {
            return;
        }
        try (Transaction txn = env.beginTransaction()) {
            for (int i = 0; i < n; i++) {
                acc.put(txn, account(i), bytes(Long.toString(INITIAL)));
            }
            txn.commit();
        }
    }

    /**
     * Runs one transfer in its own transaction, retrying after deadlocks, lock timeouts and write
     * conflicts. Returns when it committed; any other failure is thrown.
     */
    static void transfer(Environment env, Database acc, Database hist, Transfer t, TransactionConfig config) {
        while (true) {
            try (Transaction txn = env.beginTransaction(config)) {
                apply(acc, hist, txn, t);
                txn.commit();
                return;
            } catch (TransactionException retry) {
                // deadlock victim, lock timeout or write conflict: it was rolled back; try again
            }
        }
    }

    /** The writes of a transfer within {@code txn} (locks in key order, so transfers do not deadlock each other). */
    static void apply(Database acc, Database hist, Transaction txn, Transfer t) {
        int lo = Math.min(t.from(), t.to());
        int hi = Math.max(t.from(), t.to());
        long balLo = balance(acc.getForUpdate(txn, account(lo)));
        long balHi = balance(acc.getForUpdate(txn, account(hi)));
        long delta = lo == t.from() ? -t.amount() : t.amount();
        acc.put(txn, account(lo), bytes(Long.toString(balLo + delta)));
        acc.put(txn, account(hi), bytes(Long.toString(balHi - delta)));
        hist.put(txn, t.historyKey(), t.historyValue());
    }

    /** The committed state: balances and the history present. */
    public record State(long[] balances, Map<String, Transfer> history) {
    }

    static State read(Environment env, int n) {
        Database acc = env.openDatabase(ACCOUNTS, false);
        Database hist = env.openDatabase(HISTORY, false);
        long[] balances = new long[n];
        int seen = 0;
        try (Cursor c = acc.openCursor(null)) {
            for (boolean ok = c.first(); ok; ok = c.next()) {
                String k = new String(c.key(), StandardCharsets.US_ASCII);
                if (!k.startsWith("acct-")) {
                    throw new AssertionError("unexpected key in accounts: " + k);
                }
                int i = Integer.parseInt(k.substring(5));
                if (i < 0 || i >= n) {
                    throw new AssertionError("unexpected account " + k);
                }
                balances[i] = balance(c.value());
                seen++;
            }
        }
        if (seen != n) {
            throw new AssertionError("accounts database holds " + seen + " accounts, expected " + n);
        }
        Map<String, Transfer> history = new HashMap<>();
        try (Cursor c = hist.openCursor(null)) {
            for (boolean ok = c.first(); ok; ok = c.next()) {
                String id = new String(c.key(), StandardCharsets.US_ASCII).substring(2);
                history.put(id, Transfer.parse(id, c.value()));
            }
        }
        return new State(balances, history);
    }

    /**
     * Checks the invariants and that every transfer in {@code mustHave} is present; returns the state.
     * {@code context} goes into every failure message (seed, round, crash report).
     */
    public static State verify(Environment env, int n, Collection<String> mustHave, String context) {
        State s = read(env, n);
        long sum = 0;
        for (long b : s.balances()) {
            sum += b;
        }
        if (sum != n * INITIAL) {
            throw new AssertionError("balances sum to " + sum + ", not " + n * INITIAL + " (money created or destroyed: a"
                    + " transfer is partly present); " + context);
        }
        long[] expected = new long[n];
        java.util.Arrays.fill(expected, INITIAL);
        for (Transfer t : s.history().values()) {
            expected[t.from()] -= t.amount();
            expected[t.to()] += t.amount();
        }
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (expected[i] != s.balances()[i]) {
                wrong.add("acct-" + i + " holds " + s.balances()[i] + " but its history says " + expected[i]);
            }
        }
        if (!wrong.isEmpty()) {
            throw new AssertionError(wrong.size() + " balances disagree with the history (e.g. "
                    + wrong.subList(0, Math.min(3, wrong.size())) + "); " + context);
        }
        List<String> missing = new ArrayList<>();
        for (String id : mustHave) {
            if (!s.history().containsKey(id)) {
                missing.add(id);
            }
        }
        if (!missing.isEmpty()) {
            missing.sort(null);
            throw new AssertionError(missing.size() + " acknowledged transfers are missing after recovery (e.g. "
                    + missing.subList(0, Math.min(5, missing.size())) + "); " + context);
        }
        return s;
    }
}
