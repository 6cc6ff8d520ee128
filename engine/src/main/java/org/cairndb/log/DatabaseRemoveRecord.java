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
 * </pre>
 */
public final class DatabaseRemoveRecord extends LogRecord {

    private final int dbId;
    private final String name;

    public DatabaseRemoveRecord(int dbId, String name) {
        super(0);
        this.dbId = dbId;
        this.name = name;
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
    protected int payloadSize() {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        return 4 + VarInts.size(n.length) + n.length;
    }

    @Override
    protected void writePayload(ByteBuffer b) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        b.putInt(dbId);
        VarInts.put(b, n.length);
        b.put(n);
    }

    static DatabaseRemoveRecord read(ByteBuffer b) {
        int id = b.getInt();
        byte[] n = new byte[VarInts.getInt(b, b.remaining())];
        b.get(n);
        return new DatabaseRemoveRecord(id, new String(n, StandardCharsets.UTF_8));
    }

    @Override
    public String describe() {
        return "DATABASE_REMOVE '" + name + "' id " + dbId;
    }
}
