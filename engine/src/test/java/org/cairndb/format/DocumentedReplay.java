package org.cairndb.format;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.cairndb.format.DocumentedPayload.Commit;
import org.cairndb.format.DocumentedPayload.DatabaseCreate;
import org.cairndb.format.DocumentedPayload.DatabaseRemove;
import org.cairndb.format.DocumentedPayload.Operation;
import org.cairndb.format.DocumentedPayload.Prepare;
import org.cairndb.format.DocumentedTree.Key;

/**
 * What a tool holding only docs/file-format.md would rebuild from a whole log: databases from their
 * CREATE and REMOVE records, and the contents of each from its COMMIT records in log order, a
 * commit of a prepared transaction applying the operations of the PREPARE record it names.
 */
final class DocumentedReplay {

    final Map<Integer, String> names = new HashMap<>();
    final Map<Integer, TreeMap<Key, byte[]>> contents = new HashMap<>();
    private final Map<Long, Prepare> prepares = new HashMap<>();

    static DocumentedReplay of(List<DocumentedSegment> log) {
        DocumentedReplay replay = new DocumentedReplay();
        for (DocumentedSegment s : log) {
            for (DocumentedRecord r : s.records()) {
                replay.apply(r);
            }
        }
        return replay;
    }

    private void apply(DocumentedRecord r) {
        DocumentedPayload p = r.decoded();
        if (p instanceof DatabaseCreate c) {
            names.put(c.id(), c.name());
            contents.put(c.id(), new TreeMap<>());
        } else if (p instanceof DatabaseRemove d) {
            names.remove(d.id());
            contents.remove(d.id());
        } else if (p instanceof Prepare prepare) {
            prepares.put(r.lsn(), prepare);
        } else if (p instanceof Commit c) {
            if (c.prepareLsn() != 0) {
                Prepare prepare = prepares.get(c.prepareLsn());
                if (prepare == null) {
                    throw new AssertionError("COMMIT at " + Lsn.format(r.lsn()) + " names PREPARE "
                            + Lsn.format(c.prepareLsn()) + ", which is no PREPARE record of this log");
                }
                apply(prepare.operations());
            }
            apply(c.operations());
        }
    }

    private void apply(List<Operation> ops) {
        for (Operation op : ops) {
            TreeMap<Key, byte[]> db = contents.get(op.databaseId());
            if (db == null) {
                throw new AssertionError("operation on database " + op.databaseId() + ", which no CREATE record made");
            }
            if (op.kind() == Operation.PUT) {
                db.put(new Key(op.key()), op.value());
            } else {
                db.remove(new Key(op.key()));
            }
        }
    }

    /** The contents of the database named {@code name}, or null. */
    TreeMap<Key, byte[]> contents(String name) {
        for (Map.Entry<Integer, String> e : names.entrySet()) {
            if (e.getValue().equals(name)) {
                return contents.get(e.getKey());
            }
        }
        return null;
    }
}
