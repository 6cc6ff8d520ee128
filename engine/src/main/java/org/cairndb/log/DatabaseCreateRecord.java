package org.cairndb.log;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.cairndb.util.VarInts;

/**
 * A database was created.
 *
 * <pre>
 * size  field
 *    4  database id
 *    4  page size
 *  var  name length, then the name (UTF-8)
 * </pre>
 */
public final class DatabaseCreateRecord extends LogRecord {

    private final int dbId;
    private final int pageSize;
    private final String name;

    public DatabaseCreateRecord(int dbId, int pageSize, String name) {
        super(0);
        this.dbId = dbId;
        this.pageSize = pageSize;
        this.name = name;
    }

    public int dbId() {
        return dbId;
    }

    public int pageSize() {
        return pageSize;
    }

    public String name() {
        return name;
    }

    @Override
    public LogRecordType type() {
        return LogRecordType.DATABASE_CREATE;
    }

    @Override
    protected int payloadSize() {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        return 8 + VarInts.size(n.length) + n.length;
    }

    @Override
    protected void writePayload(ByteBuffer b) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        b.putInt(dbId).putInt(pageSize);
        VarInts.put(b, n.length);
        b.put(n);
    }

    static DatabaseCreateRecord read(ByteBuffer b) {
        int id = b.getInt();
        int pageSize = b.getInt();
        byte[] n = new byte[VarInts.getInt(b, b.remaining())];
        b.get(n);
        return new DatabaseCreateRecord(id, pageSize, new String(n, StandardCharsets.UTF_8));
    }

    @Override
    public String describe() {
        return "DATABASE_CREATE '" + name + "' id " + dbId + " page size " + pageSize;
    }
}
