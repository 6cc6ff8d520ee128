package org.cairndb;

/**
 * How far a commit goes before {@code commit()} returns. Set per environment
 * ({@link EnvironmentConfig#durability}) and overridable per transaction.
 *
 * <table>
 * <caption>What survives which failure</caption>
 * <tr><th>level</th><th>process crash</th><th>power loss / OS crash</th></tr>
 * <tr><td>{@link #SYNC}</td><td>kept</td><td>kept</td></tr>
 * <tr><td>{@link #WRITE_NO_SYNC}</td><td>kept</td><td>may be lost</td></tr>
 * <tr><td>{@link #NO_SYNC}</td><td>may be lost</td><td>may be lost</td></tr>
 * <tr><td>{@link #NOT_DURABLE}</td><td>may be lost</td><td>may be lost</td></tr>
 * </table>
 *
 * For the first three levels, recovery restores a state in which each transaction is either wholly
 * present or wholly absent, and the transactions present are a prefix of the commit order.
 * {@link #NOT_DURABLE} changes reach disk only with checkpoints: after a crash, each database holds
 * what its last checkpoint wrote. Like Berkeley DB's {@code DB_TXN_NOT_DURABLE}, use it for data that
 * can be rebuilt: a crash that cuts a checkpoint short may leave a NOT_DURABLE transaction present in
 * one database and absent from another, and logged transactions that built on NOT_DURABLE data are
 * replayed without it.
 */
public enum Durability {
    /** The commit record is written and forced to stable storage. Concurrent commits share one force. */
    SYNC,
    /** The commit record is handed to the operating system, not forced. */
    WRITE_NO_SYNC,
    /** The commit record stays in Cairn's log buffer until a later write or force carries it out. */
    NO_SYNC,
    /** No log record at all: the change reaches disk only with the next checkpoint (see above for what that means). */
    NOT_DURABLE
}
