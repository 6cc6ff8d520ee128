package org.cairndb;

/**
 * Isolation levels. Writes always take an exclusive lock on the key, held until the transaction
 * ends, so two transactions never write the same key concurrently (no dirty writes) and nobody
 * ever reads uncommitted data (no dirty reads) at any level. The levels differ in what reads see
 * and which conflicts abort a transaction. See {@code docs/isolation.md} for worked examples.
 *
 * <table>
 * <caption>Anomalies each level allows</caption>
 * <tr><th>anomaly</th><th>READ_COMMITTED</th><th>SNAPSHOT</th><th>SERIALIZABLE</th></tr>
 * <tr><td>dirty read</td><td>no</td><td>no</td><td>no</td></tr>
 * <tr><td>non-repeatable read</td><td>yes</td><td>no</td><td>no</td></tr>
 * <tr><td>phantom</td><td>yes</td><td>no</td><td>no</td></tr>
 * <tr><td>lost update</td><td>yes (use getForUpdate)</td><td>no</td><td>no</td></tr>
 * <tr><td>read skew</td><td>yes</td><td>no</td><td>no</td></tr>
 * <tr><td>write skew</td><td>yes</td><td>yes</td><td>no</td></tr>
 * </table>
 */
public enum IsolationLevel {
    /**
     * Every read sees the latest committed value at the moment of the read. A write never fails
     * because of another transaction's commit; it may overwrite a value this transaction read
     * earlier (lost update) unless the value was read with {@code getForUpdate}.
     */
    READ_COMMITTED,
    /**
     * The default. Reads see a snapshot of the committed state taken at the transaction's first
     * operation, plus the transaction's own writes. Writing a key that another transaction committed
     * after the snapshot was taken fails with {@link WriteConflictException} (first updater wins),
     * so lost updates cannot happen. Write skew can: two transactions may each read what the other
     * writes. A locking read ({@code getForUpdate}) of such a key waits for its lock and returns the
     * newest value instead of failing, and the transaction may then write it (as InnoDB's locking
     * reads do).
     */
    SNAPSHOT,
    /**
     * Snapshot reads plus validation at commit: if any key or range this transaction read was
     * changed by a transaction that committed after the snapshot, the commit fails with
     * {@link WriteConflictException} and nothing is written. The committed history is equivalent to
     * executing the transactions one at a time in commit order.
     */
    SERIALIZABLE
}
