package org.cairndb.examples.ledger;

import jakarta.annotation.Resource;
import jakarta.ejb.Stateless;
import jakarta.inject.Inject;
import jakarta.jms.JMSContext;
import jakarta.jms.Queue;
import jakarta.resource.ResourceException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.cairndb.DeadlockException;
import org.cairndb.WriteConflictException;
import org.cairndb.rar.CairnConnection;
import org.cairndb.rar.CairnConnectionFactory;
import org.cairndb.rar.KeyValue;

/**
 * The ledger's business methods. Each runs in a container-managed JTA transaction (the default,
 * REQUIRED): everything written through Cairn and every JMS message sent commit together by two-phase
 * commit, or not at all.
 *
 * <p>Cairn databases: {@code accounts} (account id to balance in cents, as text) and {@code history}
 * ({@code <account>/<transfer id>} to the transfer, so one account's history is a key range).
 */
@Stateless
public class Ledger {

    static final String ACCOUNTS = "accounts";
    static final String HISTORY = "history";
    private static final Pattern ACCOUNT_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    @Resource(lookup = "java:/cairn/DefaultStore")
    private CairnConnectionFactory cairn;

    @Inject
    private JMSContext jms;

    @Resource(lookup = AuditTrail.QUEUE)
    private Queue auditQueue;

    public Account open(String id, long balance) throws ResourceException {
        checkId(id);
        if (balance < 0) {
            throw new LedgerException(400, "an opening balance cannot be negative: " + balance);
        }
        try (CairnConnection c = cairn.getConnection()) {
            if (!c.putIfAbsent(ACCOUNTS, bytes(id), bytes(Long.toString(balance)))) {
                throw new LedgerException(409, "account " + id + " already exists");
            }
        }
        return new Account(id, balance);
    }

    /**
     * Moves money and sends the audit message, in one transaction. With {@code failAfterWrites} it
     * throws once both are done, to show that the container then rolls both back.
     */
    public Transfer transfer(TransferRequest request, boolean failAfterWrites) throws ResourceException {
        String from = request.from();
        String to = request.to();
        checkId(from);
        checkId(to);
        if (from.equals(to)) {
            throw new LedgerException(400, "a transfer needs two different accounts, not " + from + " twice");
        }
        if (request.amount() <= 0) {
            throw new LedgerException(400, "the amount must be positive: " + request.amount());
        }
        Transfer transfer = new Transfer(newTransferId(), from, to, request.amount(), Instant.now().toString());
        String line = transfer.toLine(); // the history records and the audit message
        try (CairnConnection c = cairn.getConnection()) {
            // Lock both balances, always in the same order, so that opposite transfers wait for each
            // other instead of deadlocking.
            boolean fromFirst = from.compareTo(to) < 0;
            long first = lockedBalance(c, fromFirst ? from : to);
            long second = lockedBalance(c, fromFirst ? to : from);
            long fromBalance = fromFirst ? first : second;
            long toBalance = fromFirst ? second : first;
            if (fromBalance < request.amount()) {
                throw new LedgerException(409, "insufficient funds: " + from + " has " + fromBalance
                        + ", the transfer needs " + request.amount());
            }
            c.put(ACCOUNTS, bytes(from), bytes(Long.toString(fromBalance - request.amount())));
            c.put(ACCOUNTS, bytes(to), bytes(Long.toString(toBalance + request.amount())));
            c.put(HISTORY, bytes(from + "/" + transfer.id()), bytes(line));
            c.put(HISTORY, bytes(to + "/" + transfer.id()), bytes(line));
        } catch (WriteConflictException | DeadlockException e) {
            throw new TransferConflict("transfer " + from + " -> " + to + " collided with another: " + e.getMessage(), e);
        }
        jms.createProducer().send(auditQueue, line);
        if (failAfterWrites) {
            throw new LedgerException(500, "failure injected after the writes of transfer " + transfer.id()
                    + ": Cairn and the audit queue both roll back");
        }
        return transfer;
    }

    public Account account(String id) throws ResourceException {
        checkId(id);
        try (CairnConnection c = cairn.getConnection()) {
            return new Account(id, balance(c.get(ACCOUNTS, bytes(id)), id));
        }
    }

    /** Every account, in id order (at most {@code limit}). */
    public List<Account> accounts(int limit) throws ResourceException {
        List<Account> accounts = new ArrayList<>();
        try (CairnConnection c = cairn.getConnection()) {
            for (KeyValue kv : c.scan(ACCOUNTS, null, null, limit)) {
                accounts.add(new Account(kv.keyString(), Long.parseLong(kv.valueString())));
            }
        }
        return accounts;
    }

    /** The transfers of one account, oldest first (at most {@code limit}). */
    public List<Transfer> history(String id, int limit) throws ResourceException {
        checkId(id);
        List<Transfer> transfers = new ArrayList<>();
        try (CairnConnection c = cairn.getConnection()) {
            balance(c.get(ACCOUNTS, bytes(id)), id); // 404 for an unknown account
            // All keys "<id>/..." lie in [<id>/, <id>0): '0' is the character after '/'.
            for (KeyValue kv : c.scan(HISTORY, bytes(id + "/"), bytes(id + "0"), limit)) {
                transfers.add(Transfer.fromLine(kv.valueString()));
            }
        }
        return transfers;
    }

    private static long lockedBalance(CairnConnection c, String id) {
        return balance(c.getForUpdate(ACCOUNTS, bytes(id)), id);
    }

    private static long balance(byte[] value, String id) {
        if (value == null) {
            throw new LedgerException(404, "no account " + id);
        }
        return Long.parseLong(new String(value, StandardCharsets.UTF_8));
    }

    private static void checkId(String id) {
        if (id == null || !ACCOUNT_ID.matcher(id).matches()) {
            throw new LedgerException(400, "an account id is 1 to 64 letters, digits, '_' or '-', not " + id);
        }
    }

    /** Milliseconds since the epoch (so ids sort by time) and a random suffix. */
    private static String newTransferId() {
        return String.format("%013d-%08x", System.currentTimeMillis(), ThreadLocalRandom.current().nextInt());
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
