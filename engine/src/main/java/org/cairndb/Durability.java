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
 * In every case recovery restores a state in which each transaction is either wholly present
 * or wholly absent, and the transactions present are a prefix of the commit order.
 */
public enum Durability {
    /** The commit record is written and forced to stable storage. Concurrent commits share one force. */
    SYNC,
    /** The commit record is handed to the operating system, not forced. */
    WRITE_NO_SYNC,
    /** The commit record stays in Cairn's log buffer until a later write or force carries it out. */
    NO_SYNC,
    /** No log record at all: the change reaches disk only with the next checkpoint. */
    NOT_DURABLE
}
