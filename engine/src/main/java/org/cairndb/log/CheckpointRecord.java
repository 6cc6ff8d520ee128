package org.cairndb.log;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.cairndb.util.Counted;
import org.cairndb.util.VarInts;

/**
 * Written when a checkpoint has made every data file durable: recovery of this environment needs
 * the log from {@code startLsn} on, and nothing before it.
 *
 * <pre>
 * size  field
 *    8  start LSN: where recovery must begin
 *    8  checkpoint time, milliseconds since the epoch (after every data file was written)
 *    8  next transaction id when the checkpoint began (records after the start LSN may have higher ones)
 *    4  next database id
 *  var  number of databases, then for each:
 *          4 database id, 8 data file generation, var name length, name (UTF-8)
 *  var  number of heuristic outcomes not yet forgotten, then for each:
 *          var global id length, global id, 8 transaction id, 1 outcome (1 commit, 2 rollback), 8 time (ms)
 * </pre>
 *
 * The heuristic outcomes are repeated here so that they survive the removal of the log segments
 * that hold the decisions themselves.
 */
public final class CheckpointRecord extends LogRecord {

    /** One database as the checkpoint left it. */
    public record DatabaseEntry(int dbId, String name, long generation) {
    }

    /** A heuristic decision an admin took on a prepared transaction, not yet forgotten. */
    public record Heuristic(byte[] globalId, long txnId, boolean committed, long millis) {
    }

    private final long startLsn;
    private final long checkpointMillis;
    private final long nextTxnId;
    private final int nextDbId;
    private final List<DatabaseEntry> databases;
    private final List<Heuristic> heuristics;

    public CheckpointRecord(long startLsn, long checkpointMillis, long nextTxnId, int nextDbId,
            List<DatabaseEntry> databases, List<Heuristic> heuristics) {
        super(0);
        this.startLsn = startLsn;
        this.checkpointMillis = checkpointMillis;
        this.nextTxnId = nextTxnId;
        this.nextDbId = nextDbId;
        this.databases = databases;
        this.heuristics = heuristics;
    }

    public List<Heuristic> heuristics() {
        return heuristics;
    }

    public long startLsn() {
        return startLsn;
    }

    public long checkpointMillis() {
        return checkpointMillis;
    }

    public long nextTxnId() {
        return nextTxnId;
    }

    public int nextDbId() {
        return nextDbId;
    }

    public List<DatabaseEntry> databases() {
        return databases;
    }

    @Override
    public LogRecordType type() {
        return LogRecordType.CHECKPOINT;
    }

    @Override
    protected long payloadSize() {
        int n = 28 + VarInts.size(databases.size());
        for (DatabaseEntry d : databases) {
            byte[] name = d.name().getBytes(StandardCharsets.UTF_8);
            n += 12 + VarInts.size(name.length) + name.length;
        }
        n += VarInts.size(heuristics.size());
        for (Heuristic h : heuristics) {
            n += VarInts.size(h.globalId().length) + h.globalId().length + 17;
        }
        return n;
    }

    @Override
    protected void writePayload(ByteBuffer b) {
        b.putLong(startLsn).putLong(checkpointMillis).putLong(nextTxnId).putInt(nextDbId);
        VarInts.put(b, databases.size());
        for (DatabaseEntry d : databases) {
            byte[] name = d.name().getBytes(StandardCharsets.UTF_8);
            b.putInt(d.dbId()).putLong(d.generation());
            VarInts.put(b, name.length);
            b.put(name);
        }
        VarInts.put(b, heuristics.size());
        for (Heuristic h : heuristics) {
            VarInts.put(b, h.globalId().length);
            b.put(h.globalId()).putLong(h.txnId()).put((byte) (h.committed() ? 1 : 2)).putLong(h.millis());
        }
    }

    static CheckpointRecord read(ByteBuffer b) {
        long start = b.getLong();
        long time = b.getLong();
        long nextTxn = b.getLong();
        int nextDb = b.getInt();
        int n = VarInts.getInt(b, b.remaining());
        List<DatabaseEntry> dbs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int id = b.getInt();
            long gen = b.getLong();
            byte[] name = new byte[VarInts.getInt(b, b.remaining())];
            b.get(name);
            dbs.add(new DatabaseEntry(id, new String(name, StandardCharsets.UTF_8), gen));
        }
        int h = VarInts.getInt(b, b.remaining());
        List<Heuristic> heuristics = new ArrayList<>(h);
        for (int i = 0; i < h; i++) {
            byte[] gid = new byte[VarInts.getInt(b, b.remaining())];
            b.get(gid);
            long txn = b.getLong();
            byte outcome = b.get();
            heuristics.add(new Heuristic(gid, txn, outcome == 1, b.getLong()));
        }
        return new CheckpointRecord(start, time, nextTxn, nextDb, dbs, heuristics);
    }

    @Override
    public String describe() {
        return "CHECKPOINT at " + Instant.ofEpochMilli(checkpointMillis) + ", recovery starts at "
                + Lsn.toString(startLsn) + ", " + Counted.of(databases.size(), "database") + ", next txn " + nextTxnId
                + (heuristics.isEmpty() ? "" : ", " + heuristics.size() + " heuristic outcomes");
    }
}
