package org.cairndb.log;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.cairndb.util.VarInts;

/**
 * A database was removed.
 *
 * <pre>
 * size  field
 *    4  database id
 *  var  name length, then the name (UTF-8)
 *    8  time (ms), as a COMMIT's: absent in records written before it existed (then 0, unknown)
 * </pre>
 *
 * The time lets a recovery to a point in time stop before a removal made after its target:
 * without it, the removal was replayed whenever no later commit came between it and the target,
 * and the database a recovery to just before its removal was to bring back stayed removed.
 */
public final class DatabaseRemoveRecord extends LogRecord {

    private final int dbId;
    private final String name;
    private final long millis;

    public DatabaseRemoveRecord(int dbId, String name, long millis) {
        super(0);
        this.dbId = dbId;
        this.name = name;
        this.millis = millis;
    }

    /** When the database was removed (ms since the epoch); 0 in a record from before the time was logged. */
    public long millis() {
        return millis;
    }

    /** Its time; -1 for a record written before it carried one (0 in {@link #millis()}). */
    @Override
    public long eventMillis() {
        return millis > 0 ? millis : -1;
    }

    public int dbId() {
        return dbId;
    }

    public String name() {
        return name;
    }

    @Override
    public LogRecordType type() {
        return LogRecordType.DATABASE_REMOVE;
    }

    @Override
    protected long payloadSize() {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        return 4 + VarInts.size(n.length) + n.length + 8;
    }

    @Override
    protected void writePayload(ByteBuffer b) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        b.putInt(dbId);
        VarInts.put(b, n.length);
        b.put(n);
        b.putLong(millis);
    }

    static DatabaseRemoveRecord read(ByteBuffer b) {
        int id = b.getInt();
        byte[] n = new byte[VarInts.getInt(b, b.remaining())];
        b.get(n);
        long millis = b.remaining() >= 8 ? b.getLong() : 0;
        return new DatabaseRemoveRecord(id, new String(n, StandardCharsets.UTF_8), millis);
    }

    @Override
    public String describe() {
        return "DATABASE_REMOVE '" + name + "' id " + dbId + (millis > 0 ? " at " + java.time.Instant.ofEpochMilli(millis) : "");
    }
}
