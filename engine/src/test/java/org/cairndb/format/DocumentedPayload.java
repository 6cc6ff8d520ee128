package org.cairndb.format;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The payloads of docs/file-format.md's "Record types", one record class per type. Decoding
 * fails (naming the record) if a payload has bytes left over or runs short, so every byte the
 * engine writes must be one the document describes.
 */
sealed interface DocumentedPayload {

    int COMMIT = 1, PREPARE = 2, ABORT = 3, CHECKPOINT = 4, DATABASE_CREATE = 5, DATABASE_REMOVE = 6, FORGET = 7;

    /** 1 kind (1 put, 2 delete); var database id; var key length; key; for a put var value length, value. */
    record Operation(int kind, int databaseId, byte[] key, byte[] value) {
        static final int PUT = 1, DELETE = 2;

        static Operation read(FormatReader r) {
            int kind = r.u8();
            int db = r.varInt();
            byte[] key = r.varBytes();
            if (kind == PUT) {
                return new Operation(kind, db, key, r.varBytes());
            }
            if (kind != DELETE) {
                throw new IllegalStateException("operation kind " + kind + " at " + r.position());
            }
            return new Operation(kind, db, key, null);
        }

        static List<Operation> readCounted(FormatReader r) {
            int n = r.varInt();
            List<Operation> ops = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                ops.add(read(r));
            }
            return ops;
        }
    }

    record Commit(long time, long prepareLsn, List<Operation> operations, byte[] globalId) implements DocumentedPayload {
    }

    record LockedKey(int databaseId, byte[] key) {
    }

    /** A scanned range; null bounds mean from the start / to the end. */
    record Range(int databaseId, byte[] from, byte[] to) {
    }

    record Prepare(long time, byte[] globalId, List<Operation> operations, List<LockedKey> locked, List<Range> ranges)
            implements DocumentedPayload {
    }

    record Abort(long time, long prepareLsn, byte[] globalId) implements DocumentedPayload {
    }

    record CheckpointDatabase(int id, long generation, String name) {
    }

    record Outcome(byte[] globalId, long txnId, int outcome, long time) {
    }

    record Checkpoint(long startLsn, long time, long nextTxnId, int nextDatabaseId, List<CheckpointDatabase> databases,
            List<Outcome> heuristics) implements DocumentedPayload {
    }

    /** {@code time} 0: a record written before DATABASE_CREATE carried one (the payload ends after the name). */
    record DatabaseCreate(int id, int pageSize, String name, long time) implements DocumentedPayload {
    }

    /** {@code time} 0: a record written before DATABASE_REMOVE carried one (the payload ends after the name). */
    record DatabaseRemove(int id, String name, long time) implements DocumentedPayload {
    }

    /** {@code time} 0: a record written before FORGET carried one (the payload ends after the global id). */
    record Forget(byte[] globalId, long time) implements DocumentedPayload {
    }

    static DocumentedPayload decode(int type, boolean heuristic, byte[] payload, String where) {
        FormatReader r = new FormatReader(payload, 0, where);
        DocumentedPayload p;
        switch (type) {
            case COMMIT -> p = new Commit(r.i64(), r.i64(), Operation.readCounted(r), heuristic ? r.varBytes() : null);
            case PREPARE -> p = prepare(r, payload.length);
            case ABORT -> p = new Abort(r.i64(), r.i64(), heuristic ? r.varBytes() : null);
            case CHECKPOINT -> p = checkpoint(r);
            case DATABASE_CREATE -> p = new DatabaseCreate(r.i32(), r.i32(), utf8(r.varBytes()),
                    r.atEnd(payload.length) ? 0 : r.i64());
            case DATABASE_REMOVE -> p = new DatabaseRemove(r.i32(), utf8(r.varBytes()), r.atEnd(payload.length) ? 0 : r.i64());
            case FORGET -> p = new Forget(r.varBytes(), r.atEnd(payload.length) ? 0 : r.i64());
            default -> throw new IllegalStateException(where + ": undocumented record type " + type);
        }
        if (r.position() != payload.length) {
            throw new IllegalStateException(where + ": type " + type + " payload has " + (payload.length - r.position())
                    + " undocumented bytes after offset " + r.position() + " of " + payload.length);
        }
        return p;
    }

    private static Prepare prepare(FormatReader r, int end) {
        long time = r.i64();
        byte[] gid = r.varBytes();
        List<Operation> ops = Operation.readCounted(r);
        List<LockedKey> locked = new ArrayList<>();
        List<Range> ranges = new ArrayList<>();
        if (!r.atEnd(end)) {
            int n = r.varInt();
            for (int i = 0; i < n; i++) {
                locked.add(new LockedKey(r.varInt(), r.varBytes()));
            }
        }
        if (!r.atEnd(end)) {
            int n = r.varInt();
            for (int i = 0; i < n; i++) {
                ranges.add(new Range(r.varInt(), bound(r), bound(r)));
            }
        }
        return new Prepare(time, gid, ops, locked, ranges);
    }

    /** var (length + 1) and the key; 0 for an open end. */
    private static byte[] bound(FormatReader r) {
        int n = r.varInt();
        return n == 0 ? null : r.bytes(n - 1);
    }

    private static Checkpoint checkpoint(FormatReader r) {
        long start = r.i64();
        long time = r.i64();
        long nextTxn = r.i64();
        int nextDb = r.i32();
        int n = r.varInt();
        List<CheckpointDatabase> dbs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            dbs.add(new CheckpointDatabase(r.i32(), r.i64(), utf8(r.varBytes())));
        }
        int h = r.varInt();
        List<Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < h; i++) {
            outcomes.add(new Outcome(r.varBytes(), r.i64(), r.u8(), r.i64()));
        }
        return new Checkpoint(start, time, nextTxn, nextDb, dbs, outcomes);
    }

    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
