package org.cairndb.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.cairndb.CheckpointResult;
import org.cairndb.format.DocumentedPayload.Abort;
import org.cairndb.format.DocumentedPayload.Checkpoint;
import org.cairndb.format.DocumentedPayload.CheckpointDatabase;
import org.cairndb.format.DocumentedPayload.Commit;
import org.cairndb.format.DocumentedPayload.DatabaseCreate;
import org.cairndb.format.DocumentedPayload.DatabaseRemove;
import org.cairndb.format.DocumentedPayload.Forget;
import org.cairndb.format.DocumentedPayload.LockedKey;
import org.cairndb.format.DocumentedPayload.Operation;
import org.cairndb.format.DocumentedPayload.Outcome;
import org.cairndb.format.DocumentedPayload.Prepare;
import org.cairndb.format.DocumentedPayload.Range;
import org.cairndb.format.DocumentedTree.Key;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/file-format.md is a promise to users and tools: this test decodes every log segment and
 * data file of a real environment (and of its hot backup and archive) with a decoder written from
 * that document alone (the Documented* classes of this package) and checks every field against what
 * the workload did through the public API.
 */
class FileFormatConformanceTest {

    @TempDir
    static Path dir;

    static ConformanceWorkload work;
    static List<DocumentedSegment> log;
    static List<DocumentedRecord> records;

    @BeforeAll
    static void build() throws IOException {
        work = new ConformanceWorkload(dir).run();
        log = DocumentedSegment.readLog(work.home.resolve("log"));
        records = new ArrayList<>();
        log.forEach(s -> records.addAll(s.records()));
    }

    static UUID environmentId() {
        return log.get(0).header().environmentId();
    }

    @Test
    void segmentHeadersChainTheLog() {
        assertTrue(log.size() >= 4, "the workload should span several segments, got " + log.size());
        int previousEnd = 0;
        for (int i = 0; i < log.size(); i++) {
            DocumentedSegment s = log.get(i);
            DocumentedSegmentHeader h = s.header();
            String what = s.file().toString();
            assertEquals("CAIRNLOG", h.magic(), what);
            assertEquals(1, h.version(), what);
            assertEquals(64, h.headerSize(), what);
            assertEquals(i + 1, s.numberInName(), what + ": numbered from 1 without a gap");
            assertEquals(s.numberInName(), h.number(), what);
            assertEquals(environmentId(), h.environmentId(), what);
            assertTrue(h.createdMillis() >= work.startMillis - 1000 && h.createdMillis() <= work.endMillis, what);
            assertEquals(h.computedCrc(), h.storedCrc(), what + ": header CRC-32C of bytes 0..59");
            assertEquals(previousEnd, h.previousEnd(), what + ": end of the previous segment's last record");
            assertNull(s.problem(), what);
            assertTrue(s.zeroTail(), what + ": after the last record only zeros, from " + s.end());
            assertEquals(s.fileSize(), h.sizeKiB() * 1024L, what + ": size in KiB the segment was created with");
            if (s.fileSize() > ConformanceWorkload.SEGMENT_SIZE) {
                assertEquals(1, s.records().size(), what + ": grown for a record larger than a segment, and only for it");
                assertTrue(s.fileSize() - s.end() < 1024, what + ": grown to fit its record, in whole KiB");
            } else {
                assertEquals(ConformanceWorkload.SEGMENT_SIZE, s.fileSize(), what + " is created at its full size");
            }
            previousEnd = s.end();
        }
        assertTrue(log.stream().anyMatch(s -> s.fileSize() > ConformanceWorkload.SEGMENT_SIZE
                && s.records().stream().anyMatch(r -> r.length() > ConformanceWorkload.SEGMENT_SIZE)),
                "a record larger than a segment gets a segment of its own, grown to fit");
        byte[] next = work.nextSegmentWhileOpen;
        if (next != null) {
            assertTrue(FormatReader.allZero(next, 0, next.length), "log.next.tmp is zero-filled");
            // Read while it may still be being zero-filled in the background: never more than a segment.
            assertTrue(next.length <= ConformanceWorkload.SEGMENT_SIZE, "log.next.tmp has " + next.length + " bytes");
        }
    }

    @Test
    void recordFramesAreChecksummedAndOrdered() {
        long durable = 0;
        long time = 0;
        for (DocumentedRecord r : records) {
            String what = "record at " + Lsn.format(r.lsn()) + " type " + r.type();
            assertEquals(r.computedCrc(), r.storedCrc(), what);
            assertEquals(0, r.reserved(), what);
            assertEquals(0, r.flags() & ~DocumentedRecord.HEURISTIC, what + ": only bit 0 of the flags is used");
            if (r.heuristic()) {
                assertTrue(r.type() == DocumentedPayload.COMMIT || r.type() == DocumentedPayload.ABORT, what);
            }
            assertTrue(r.durableLsn() <= r.lsn(), what + ": durable LSN " + Lsn.format(r.durableLsn()));
            assertTrue(r.durableLsn() >= durable, what + ": durable LSN went back");
            durable = r.durableLsn();
            long t = r.decoded() instanceof Commit c ? c.time() : r.decoded() instanceof Prepare p ? p.time()
                    : r.decoded() instanceof Abort a ? a.time() : r.decoded() instanceof DatabaseCreate dc ? dc.time()
                    : r.decoded() instanceof DatabaseRemove dr ? dr.time() : r.decoded() instanceof Forget f ? f.time() : -1;
            if (r.type() >= DocumentedPayload.CHECKPOINT) {
                assertEquals(0, r.txnId(), what + ": no transaction");
            }
            if (t >= 0) {
                assertTrue(t >= time, what + ": commit, prepare, abort, database create and remove, and forget times never decrease");
                assertTrue(t >= work.startMillis && t <= work.endMillis, what);
                assertTrue(r.txnId() != 0 || r.type() >= DocumentedPayload.CHECKPOINT, what + " belongs to a transaction");
                time = t;
            }
        }
    }

    @Test
    void commitRecordsHoldExactlyTheCommittedWrites() {
        Map<Integer, String> dbNames = databaseNames();
        Map<Long, Prepare> prepares = new HashMap<>();
        Map<Long, Long> prepareLsns = new HashMap<>();
        Map<Long, Map<String, byte[]>> logged = new LinkedHashMap<>();
        for (DocumentedRecord r : records) {
            assertTrue(!work.abortedWithoutPrepare.contains(r.txnId()), "an abort before prepare logs nothing: " + r);
            if (r.decoded() instanceof Prepare p) {
                prepares.put(r.lsn(), p);
                prepareLsns.put(r.txnId(), r.lsn());
            } else if (r.decoded() instanceof Commit c) {
                Map<String, byte[]> writes = new LinkedHashMap<>();
                List<Operation> ops = new ArrayList<>(c.operations());
                if (c.prepareLsn() != 0) {
                    assertEquals(prepareLsns.get(r.txnId()), c.prepareLsn(), "COMMIT names its transaction's PREPARE");
                    ops.addAll(0, prepares.get(c.prepareLsn()).operations());
                }
                for (Operation op : ops) {
                    writes.put(dbNames.get(op.databaseId()) + "\0" + new String(op.key(), StandardCharsets.ISO_8859_1),
                            op.value());
                }
                logged.put(r.txnId(), writes);
            }
        }
        assertEquals(List.copyOf(work.commits.keySet()), List.copyOf(logged.keySet()), "committed transactions in order");
        for (Map.Entry<Long, Map<String, byte[]>> e : work.commits.entrySet()) {
            Map<String, byte[]> got = logged.get(e.getKey());
            assertEquals(e.getValue().keySet(), got.keySet(), "keys written by transaction " + e.getKey());
            e.getValue().forEach((k, v) -> assertArrayEquals(v, got.get(k), "transaction " + e.getKey() + " key " + k));
        }
    }

    @Test
    void twoPhaseAndHeuristicRecords() {
        int accounts = databaseId(ConformanceWorkload.ACCOUNTS);
        DocumentedRecord prepare = only(DocumentedPayload.PREPARE, work.preparedTxn.get("committed"));
        Prepare p = (Prepare) prepare.decoded();
        assertArrayEquals(ConformanceWorkload.GID_COMMITTED, p.globalId());
        assertTrue(p.locked().stream().anyMatch(k -> k.databaseId() == accounts
                && Arrays.equals(k.key(), ConformanceWorkload.LOCKED_KEY)), "locked without writing: " + describe(p.locked()));
        assertTrue(p.ranges().stream().anyMatch(r -> r.databaseId() == accounts
                && Arrays.equals(r.from(), ConformanceWorkload.RANGE_FROM) && Arrays.equals(r.to(), ConformanceWorkload.RANGE_TO)),
                "the scanned range: " + describeRanges(p.ranges()));
        assertTrue(p.locked().stream().anyMatch(k -> k.databaseId() == accounts
                && Arrays.equals(k.key(), ConformanceWorkload.READ_KEY)), "read under SERIALIZABLE: " + describe(p.locked()));
        Prepare fullScan = (Prepare) only(DocumentedPayload.PREPARE, work.preparedTxn.get("full-scan")).decoded();
        assertTrue(fullScan.ranges().stream().anyMatch(r -> r.databaseId() == databaseId(ConformanceWorkload.HISTORY)
                && r.from() == null && r.to() == null), "a whole database scanned: " + describeRanges(fullScan.ranges()));
        Commit c = (Commit) only(DocumentedPayload.COMMIT, work.preparedTxn.get("committed")).decoded();
        assertEquals(prepare.lsn(), c.prepareLsn());
        assertNull(c.globalId());
        assertEquals(List.of(), c.operations(), "a prepared transaction's operations are in its PREPARE record only");

        DocumentedRecord abortedPrepare = only(DocumentedPayload.PREPARE, work.preparedTxn.get("aborted"));
        DocumentedRecord abort = only(DocumentedPayload.ABORT, work.preparedTxn.get("aborted"));
        assertEquals(abortedPrepare.lsn(), ((Abort) abort.decoded()).prepareLsn());
        assertEquals(0, abort.flags());

        long inDoubt = work.preparedTxn.get("gid-in-doubt");
        DocumentedRecord heuristicCommit = only(DocumentedPayload.COMMIT, inDoubt);
        assertEquals(DocumentedRecord.HEURISTIC, heuristicCommit.flags());
        assertArrayEquals(ConformanceWorkload.GID_IN_DOUBT, ((Commit) heuristicCommit.decoded()).globalId());
        assertEquals(only(DocumentedPayload.PREPARE, inDoubt).lsn(), ((Commit) heuristicCommit.decoded()).prepareLsn());
        assertEquals(List.of(), ((Commit) heuristicCommit.decoded()).operations());

        long rolledBack = work.preparedTxn.get("gid-heuristic-rollback");
        DocumentedRecord heuristicAbort = only(DocumentedPayload.ABORT, rolledBack);
        assertEquals(DocumentedRecord.HEURISTIC, heuristicAbort.flags());
        assertArrayEquals(ConformanceWorkload.GID_ROLLED_BACK, ((Abort) heuristicAbort.decoded()).globalId());

        List<DocumentedRecord> forgets = ofType(DocumentedPayload.FORGET);
        assertEquals(1, forgets.size());
        assertArrayEquals(ConformanceWorkload.GID_ROLLED_BACK, ((Forget) forgets.get(0).decoded()).globalId());

        // Outcomes not yet forgotten are in every CHECKPOINT record after the decision.
        for (DocumentedRecord r : ofType(DocumentedPayload.CHECKPOINT)) {
            List<Outcome> outcomes = ((Checkpoint) r.decoded()).heuristics();
            Map<String, Outcome> byGid = new HashMap<>();
            outcomes.forEach(o -> byGid.put(new String(o.globalId(), StandardCharsets.UTF_8), o));
            assertEquals(r.lsn() > heuristicCommit.lsn(), byGid.containsKey("gid-in-doubt"), "at " + Lsn.format(r.lsn()));
            assertEquals(r.lsn() > heuristicAbort.lsn() && r.lsn() < forgets.get(0).lsn(),
                    byGid.containsKey("gid-heuristic-rollback"), "at " + Lsn.format(r.lsn()));
            if (byGid.containsKey("gid-in-doubt")) {
                Outcome o = byGid.get("gid-in-doubt");
                assertEquals(inDoubt, o.txnId());
                assertEquals(1, o.outcome(), "1 commit");
                assertEquals(((Commit) heuristicCommit.decoded()).time(), o.time());
            }
            if (byGid.containsKey("gid-heuristic-rollback")) {
                assertEquals(rolledBack, byGid.get("gid-heuristic-rollback").txnId());
                assertEquals(2, byGid.get("gid-heuristic-rollback").outcome(), "2 rollback");
            }
        }
    }

    @Test
    void databaseRecords() {
        List<DocumentedRecord> creates = ofType(DocumentedPayload.DATABASE_CREATE);
        assertEquals(List.of(ConformanceWorkload.ACCOUNTS, ConformanceWorkload.HISTORY, ConformanceWorkload.UNICODE,
                ConformanceWorkload.SCRATCH, ConformanceWorkload.TALL, ConformanceWorkload.EMPTY, ConformanceWorkload.WIDE),
                creates.stream().map(r -> ((DatabaseCreate) r.decoded()).name()).toList());
        creates.forEach(r -> assertEquals(pageSize(((DatabaseCreate) r.decoded()).name()), ((DatabaseCreate) r.decoded()).pageSize()));
        assertEquals(creates.size(), creates.stream().map(r -> ((DatabaseCreate) r.decoded()).id()).distinct().count(),
                "database ids are never reused");
        List<DocumentedRecord> removes = ofType(DocumentedPayload.DATABASE_REMOVE);
        assertEquals(1, removes.size());
        DatabaseRemove remove = (DatabaseRemove) removes.get(0).decoded();
        assertEquals(ConformanceWorkload.SCRATCH, remove.name());
        assertEquals(databaseId(ConformanceWorkload.SCRATCH), remove.id());
    }

    @Test
    void checkpointRecordsSayWhereRecoveryStarts() {
        List<DocumentedRecord> checkpoints = ofType(DocumentedPayload.CHECKPOINT);
        for (CheckpointResult result : work.checkpoints) {
            DocumentedRecord r = at(parse(result.checkpointLsn()));
            Checkpoint c = (Checkpoint) r.decoded();
            assertEquals(result.startLsn(), Lsn.format(c.startLsn()), "checkpoint at " + result.checkpointLsn());
        }
        for (DocumentedRecord r : checkpoints) {
            Checkpoint c = (Checkpoint) r.decoded();
            String what = "CHECKPOINT at " + Lsn.format(r.lsn());
            assertTrue(c.startLsn() <= r.lsn(), what + ": start " + Lsn.format(c.startLsn()));
            assertTrue(c.startLsn() > 0 && Lsn.offset(c.startLsn()) >= 64, what + ": start " + Lsn.format(c.startLsn()));
            // The next id is the one when the checkpoint began: commits after its start LSN may carry higher ones.
            for (DocumentedRecord before : records) {
                if (before.lsn() < c.startLsn()) {
                    assertTrue(before.txnId() < c.nextTxnId(), what + ": next transaction id " + c.nextTxnId() + " start "
                            + Lsn.format(c.startLsn()) + " but " + Lsn.format(before.lsn()) + " has " + before.txnId());
                }
            }
            Map<Integer, String> live = liveDatabasesAt(r.lsn());
            Map<Integer, String> listed = new TreeMap<>();
            c.databases().forEach(d -> listed.put(d.id(), d.name()));
            assertEquals(new TreeMap<>(live), listed, what + ": the databases then alive");
            live.keySet().forEach(id -> assertTrue(id < c.nextDatabaseId(), what + ": next database id"));
        }
        assertTrue(checkpoints.size() >= work.checkpoints.size());
    }

    @Test
    void theLogAloneRebuildsEveryDatabase() {
        DocumentedReplay replay = DocumentedReplay.of(log);
        assertEquals(work.model.keySet(), Set(replay.names.values()));
        for (Map.Entry<String, TreeMap<Key, byte[]>> db : work.model.entrySet()) {
            assertSameContents(db.getValue(), replay.contents(db.getKey()), "log replay of " + db.getKey());
        }
    }

    @Test
    void dataFilesHoldTheLastCheckpoint() throws IOException {
        DocumentedRecord lastCheckpoint = last(ofType(DocumentedPayload.CHECKPOINT));
        Checkpoint ckpt = (Checkpoint) lastCheckpoint.decoded();
        DocumentedRecord lastCommit = null;
        for (DocumentedRecord r : records) {
            if (r.type() == DocumentedPayload.COMMIT && r.lsn() < lastCheckpoint.lsn()) {
                lastCommit = r;
            }
        }
        assertNotNull(lastCommit);
        long otherChange = 0;
        for (DocumentedRecord r : records) {
            if (r.lsn() < ckpt.startLsn()) {
                DocumentedPayload d = r.decoded();
                long t = d instanceof DocumentedPayload.Prepare p ? p.time()
                        : d instanceof DocumentedPayload.Abort a ? a.time()
                        : d instanceof DocumentedPayload.DatabaseCreate c ? c.time()
                        : d instanceof DocumentedPayload.DatabaseRemove x ? x.time()
                        : d instanceof DocumentedPayload.Forget f ? f.time() : 0;
                otherChange = Math.max(otherChange, t);
            }
        }
        assertTrue(otherChange > 0, "the workload creates databases before its last checkpoint");
        Map<String, Path> files = new TreeMap<>();
        try (var s = Files.list(work.home.resolve("data"))) {
            s.forEach(p -> files.put(p.getFileName().toString(), p));
        }
        Map<String, String> expected = new TreeMap<>();
        work.model.keySet().forEach(n -> expected.put(n + ".cdb", n));
        assertEquals(expected.keySet(), files.keySet(), "one data file per database, named <name>.cdb");
        for (Map.Entry<String, Path> e : files.entrySet()) {
            String name = expected.get(e.getKey());
            DocumentedDataFile f = DocumentedDataFile.read(e.getValue());
            DocumentedDataFileHeader h = f.current();
            String what = e.getValue().toString();
            assertNotNull(h, what + ": no valid header copy");
            assertTrue(f.copy0().valid() && f.copy1().valid(), what + ": both copies valid after several checkpoints");
            assertEquals(h.generation() % 2, h.page(), what + ": generation g in page g mod 2");
            assertEquals(Math.abs(f.copy0().generation() - f.copy1().generation()), 1, what);
            for (DocumentedDataFileHeader copy : List.of(f.copy0(), f.copy1())) {
                assertEquals(1, copy.version(), what);
                assertEquals(pageSize(name), copy.pageSize(), what);
                assertEquals(environmentId(), copy.environmentId(), what);
                assertEquals(databaseId(name), copy.databaseId(), what);
                assertEquals(name, copy.name(), what);
                assertEquals(name.getBytes(StandardCharsets.UTF_8).length, copy.nameLength(), what);
                assertEquals(0, copy.reserved44(), what + ": reserved at 44");
                assertEquals(0, copy.reserved100(), what + ": reserved at 100");
                assertTrue(copy.restZero(), what + " copy " + copy.page() + ": 512 bytes used, the rest zero");
            }
            CheckpointDatabase listed = ckpt.databases().stream().filter(d -> d.name().equals(name)).findFirst().orElseThrow();
            assertEquals(listed.generation(), h.generation(), what + ": generation as in the last CHECKPOINT record");
            assertEquals(ckpt.startLsn(), h.checkpointLsn(), what + ": checkpoint LSN");
            long previousTime = ((Checkpoint) checkpointBefore(lastCheckpoint.lsn()).decoded()).time();
            assertTrue(h.checkpointTime() >= previousTime && h.checkpointTime() <= ckpt.time(), what + ": checkpoint time "
                    + h.checkpointTime() + " between the CHECKPOINT records' " + previousTime + " and " + ckpt.time());
            assertEquals(ckpt.nextTxnId(), h.nextTxnId(), what);
            assertEquals(ckpt.nextDatabaseId(), h.nextDatabaseId(), what);
            assertEquals(lastCommit.txnId(), h.lastCommitTxn(), what + ": last commit's transaction");
            assertEquals(((Commit) lastCommit.decoded()).time(), h.lastCommitTime(), what + ": last commit's time");
            assertEquals(lastCommit.endLsn(), h.lastCommitEndLsn(), what + ": end LSN of the last COMMIT record");
            assertEquals(otherChange, h.otherChangeTime(), what + ": time of the last PREPARE, ABORT, DATABASE_CREATE,"
                    + " DATABASE_REMOVE or FORGET before the checkpoint LSN");

            TreeMap<Key, byte[]> model = work.model.get(name);
            assertEquals(model.size(), h.recordCount(), what + ": number of records");
            assertSameContents(model, new TreeMap<>(f.tree().entries), what);
            assertEquals(f.size(), h.filePages() * h.pageSize(), what + ": file size in pages");
            assertTrue(f.tree().depth == 0 || f.tree().depth == 1 || f.tree().branches > 0, what);
            if (name.equals(ConformanceWorkload.UNICODE)) {
                assertTrue(f.tree().overflowFirstPages.size() >= 2, what + ": long values go to overflow pages");
            }
            if (name.equals(ConformanceWorkload.TALL)) {
                assertTrue(f.tree().depth >= 3, what + ": maximal keys make a tree of depth " + f.tree().depth);
            }
            if (name.equals(ConformanceWorkload.EMPTY)) {
                assertEquals(0, h.rootPage(), what + ": an empty database has root 0");
            }
            for (Map.Entry<Key, byte[]> entry : model.entrySet()) {
                boolean overflow = entry.getKey().bytes().length + entry.getValue().length > (h.pageSize() - 32) / 4
                        && entry.getValue().length > 8;
                assertEquals(overflow, f.tree().overflowKeys.contains(entry.getKey()), what + ": key of "
                        + entry.getKey().bytes().length + " bytes with a value of " + entry.getValue().length
                        + " bytes: overflow when longer than 8 bytes and, with its key, than a quarter of a page's payload");
            }
            DocumentedSpaceMap map = f.spaceMap();
            assertNotNull(map, what + ": a space map");
            assertEquals(h.filePages(), map.filePages(), what + ": the space map's file size");
            assertEquals((h.filePages() + 7) / 8, map.bitmapBytes(), what + ": one bit per page, rounded up to bytes");
            assertTrue(map.used().get(0) && map.used().get(1), what + ": the header pages are in use");
            for (int p = f.spaceMap().used().nextSetBit(0); p >= 0; p = f.spaceMap().used().nextSetBit(p + 1)) {
                assertTrue(p < 2 || f.tree().pagesRead.get(p) || pending(map, p), what + ": page " + p
                        + " in use but neither reachable nor pending");
            }
            f.tree().pagesRead.stream().forEach(p -> assertTrue(map.used().get(p), what + ": page " + p + " in use"));
            for (DocumentedSpaceMap.Extent x : map.pending()) {
                for (long p = x.first(); p < x.first() + x.pages(); p++) {
                    assertTrue(map.used().get((int) p), what + ": pending page " + p);
                    assertTrue(!f.tree().pagesRead.get((int) p), what + ": pending page " + p + " is reachable");
                }
                assertTrue(x.freedMillis() == DocumentedSpaceMap.FREED_BY_THIS_GENERATION || x.freedMillis() <= h.checkpointTime(),
                        what + ": pending extent at " + x.first() + " freed at " + x.freedMillis());
            }
            assertTrue(map.used().length() <= h.filePages(), what + ": no page past the end is in use");
        }
    }

    @Test
    void lockFileNamesItsHolder() throws IOException {
        Path file = dir.resolve("lock-while-open");
        Files.writeString(file, work.lockFileWhileOpen);
        DocumentedLockFile lock = DocumentedLockFile.read(file);
        assertEquals(ProcessHandle.current().pid(), lock.pid());
        assertNull(lock.purpose());
        assertNull(lock.copyingLine());
    }

    @Test
    void archivedSegmentsAreByteForByteCopies() throws IOException {
        List<DocumentedSegment> archived = DocumentedSegment.readLog(work.archive);
        assertTrue(archived.size() >= log.size() - 1, "every finished segment archived");
        for (DocumentedSegment a : archived) {
            assertArrayEquals(readAll(work.home.resolve("log").resolve(a.file().getFileName())), readAll(a.file()),
                    a.file() + " is a copy");
        }
        java.util.Properties owner = new java.util.Properties();
        try (var in = Files.newInputStream(work.archive.resolve("archive.owner"))) {
            owner.load(in);
        }
        assertEquals(environmentId().toString(), owner.getProperty("environment"));
        assertEquals(work.home.toRealPath().toString(), owner.getProperty("home"));
        assertEquals(work.archive.toRealPath().toString(), owner.getProperty("archive"));
        java.time.Instant.parse(owner.getProperty("claimed"));
        assertEquals(4, owner.size(), "archive.owner keys: " + owner.keySet());
    }

    @Test
    void backupManifestDescribesTheCopy() throws IOException {
        DocumentedManifest m = DocumentedManifest.read(work.backup.resolve("backup.manifest"));
        assertEquals("cairn-backup", m.format());
        assertEquals(1, m.version());
        assertTrue(!m.cairnVersion().isEmpty());
        assertEquals(environmentId(), m.environmentId());
        assertEquals(work.home.toAbsolutePath().toString(), m.source());
        assertEquals("flat", m.layout());
        assertTrue(m.startedAt().toEpochMilli() >= work.startMillis && !m.finishedAt().isBefore(m.startedAt()));
        assertTrue(m.recovered());
        assertTrue(m.startLsn() <= m.endLsn());
        at(m.startLsn());
        at(m.endLsn());
        DocumentedRecord lastCommit = null;
        for (DocumentedRecord r : records) {
            if (r.type() == DocumentedPayload.COMMIT && r.lsn() < m.endLsn()) {
                lastCommit = r;
            }
        }
        assertEquals(lastCommit.txnId(), m.lastCommit().txnId());
        assertEquals(((Commit) lastCommit.decoded()).time(), m.lastCommit().committedAt().toEpochMilli());
        Map<Long, String> prepared = new TreeMap<>();
        for (DocumentedManifest.Prepared p : m.preparedTransactions()) {
            prepared.put(p.txnId(), new String(p.globalId(), StandardCharsets.UTF_8));
            assertEquals(((Prepare) only(DocumentedPayload.PREPARE, p.txnId()).decoded()).time(), p.preparedAt().toEpochMilli());
        }
        assertEquals(new TreeMap<>(Map.of(work.preparedTxn.get("gid-in-doubt"), "gid-in-doubt",
                work.preparedTxn.get("gid-heuristic-rollback"), "gid-heuristic-rollback")), prepared);

        Map<String, Path> copied = new TreeMap<>();
        try (var s = Files.list(work.backup)) {
            s.filter(p -> p.getFileName().toString().matches(".*\\.cdb|log\\.\\d{10}"))
                    .forEach(p -> copied.put(p.getFileName().toString(), p));
        }
        assertEquals(copied.keySet(), new java.util.TreeSet<>(m.files().stream().map(DocumentedManifest.FileEntry::path).toList()),
                "files lists every data file and segment of the copy");
        for (DocumentedManifest.FileEntry e : m.files()) {
            byte[] bytes = readAll(copied.get(e.path()));
            assertEquals(bytes.length, e.size(), e.path());
            assertArrayEquals(sha256(bytes), e.sha256(), e.path());
        }
        for (long seg = Lsn.segment(m.startLsn()); seg <= Lsn.segment(m.endLsn()); seg++) {
            assertTrue(copied.containsKey(String.format("log.%010d", seg)), "segment " + seg + " copied");
        }
    }

    @Test
    void backupFilesDecodeAsTheOriginalsDo() throws IOException {
        DocumentedManifest m = DocumentedManifest.read(work.backup.resolve("backup.manifest"));
        List<DocumentedSegment> copyLog = DocumentedSegment.readLog(work.backup);
        for (DocumentedSegment s : copyLog) {
            assertNull(s.problem(), s.file().toString());
            assertEquals(environmentId(), s.header().environmentId());
            assertTrue(s.end() >= Lsn.offset(m.endLsn()) || s.numberInName() < Lsn.segment(m.endLsn()), s.file().toString());
            for (DocumentedRecord r : s.records()) {
                assertEquals(at(r.lsn()).length(), r.length(), "the copy's record at " + Lsn.format(r.lsn()));
            }
        }
        for (Map.Entry<String, TreeMap<Key, byte[]>> db : work.modelAtBackup.entrySet()) {
            Path file = work.backup.resolve(db.getKey() + ".cdb");
            DocumentedDataFile f = DocumentedDataFile.read(file);
            assertNotNull(f.current(), file.toString());
            assertEquals(environmentId(), f.current().environmentId());
            assertTrue(f.current().checkpointLsn() >= m.startLsn() && f.current().checkpointLsn() <= m.endLsn(),
                    file + ": recovered with LSNs of the source's log: " + Lsn.format(f.current().checkpointLsn()));
            assertSameContents(db.getValue(), new TreeMap<>(f.tree().entries), file.toString());
            assertEquals(m.lastCommit().txnId(), f.current().lastCommitTxn(), file + ": the last commit it holds");
        }
    }

    @Test
    void recoveryOfACopyNeverWritesToTheCopiedLog() {
        for (Path copy : List.of(work.backup, work.updated)) {
            try (var s = Files.list(copy)) {
                for (Path seg : s.filter(p -> p.getFileName().toString().matches("log\\.\\d{10}")).toList()) {
                    DocumentedSegment c = DocumentedSegment.read(seg);
                    byte[] copied = readAll(seg);
                    byte[] source = readAll(work.home.resolve("log").resolve(seg.getFileName()));
                    assertArrayEquals(Arrays.copyOf(source, c.end()), Arrays.copyOf(copied, c.end()),
                            seg + ": the copy's records are the source's");
                    assertTrue(c.zeroTail(), seg + ": nothing after them");
                }
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
    }

    @Test
    void everyManifestListsEveryFileOfItsCopy() throws IOException {
        for (Path copy : List.of(work.backup, work.split, work.updated)) {
            DocumentedManifest m = DocumentedManifest.read(copy.resolve("backup.manifest"));
            java.util.Set<String> present = new java.util.TreeSet<>();
            try (var s = Files.walk(copy)) {
                s.filter(p -> p.getFileName().toString().matches(".*\\.cdb|log\\.\\d{10}"))
                        .forEach(p -> present.add(copy.relativize(p).toString().replace('\\', '/')));
            }
            assertEquals(present, new java.util.TreeSet<>(m.files().stream().map(DocumentedManifest.FileEntry::path).toList()),
                    copy + ": files");
            List<Long> segments = present.stream().filter(p -> p.matches("(log/)?log\\.\\d{10}"))
                    .map(p -> Long.parseLong(p.substring(p.length() - 10))).sorted().toList();
            assertEquals(Lsn.segment(m.startLsn()), segments.get(0), copy + ": segments from the one of startLsn on");
            assertEquals(Lsn.segment(m.endLsn()) - segments.get(0) + 1, segments.size(), copy + ": no gap, up to endLsn's");
        }
    }

    @Test
    void aRecoveredBackupOpensFromAnyDirectory() throws IOException {
        Path moved = dir.resolve("moved").resolve("elsewhere");
        org.cairndb.TestSupport.copyTree(work.backup, moved);
        try (org.cairndb.Environment env = org.cairndb.Environment.open(moved, work.config().archiveEnabled(false))) {
            for (Map.Entry<String, TreeMap<Key, byte[]>> db : work.modelAtBackup.entrySet()) {
                org.cairndb.Database d = env.openDatabase(db.getKey());
                try (org.cairndb.Transaction t = env.beginTransaction()) {
                    for (Map.Entry<Key, byte[]> e : db.getValue().entrySet()) {
                        assertArrayEquals(e.getValue(), d.get(t, e.getKey().bytes()), db.getKey());
                    }
                    assertEquals(db.getValue().size(), d.count(), db.getKey());
                }
            }
        }
    }

    @Test
    void splitLayoutBackupWithoutRecovery() throws IOException {
        DocumentedManifest m = DocumentedManifest.read(work.split.resolve("backup.manifest"));
        assertEquals("split", m.layout());
        assertTrue(!m.recovered());
        assertNull(m.lastCommit(), "no lastCommit without recovery");
        for (DocumentedManifest.FileEntry e : m.files()) {
            assertTrue(e.path().matches("data/[^/]+\\.cdb|log/log\\.\\d{10}"), "relative path " + e.path());
            byte[] bytes = readAll(work.split.resolve(e.path()));
            assertEquals(bytes.length, e.size(), e.path());
            assertArrayEquals(sha256(bytes), e.sha256(), e.path());
        }
        for (DocumentedSegment s : DocumentedSegment.readLog(work.split.resolve("log"))) {
            assertNull(s.problem(), s.file().toString());
        }
    }

    @Test
    void anUpdateKeepsLayoutStartAndStartLsn() throws IOException {
        Path before = dir.resolve("updated-manifest-before");
        Files.writeString(before, work.updatedManifestBefore);
        DocumentedManifest first = DocumentedManifest.read(before);
        DocumentedManifest now = DocumentedManifest.read(work.updated.resolve("backup.manifest"));
        assertEquals(first.layout(), now.layout());
        assertEquals(first.startedAt(), now.startedAt(), "startedAt: when the backup (not the update) began");
        assertEquals(first.startLsn(), now.startLsn(), "startLsn: still the first copy's");
        assertTrue(now.endLsn() > first.endLsn());
        assertTrue(now.finishedAt().isAfter(first.finishedAt()));
        assertTrue(now.lastCommit().txnId() > first.lastCommit().txnId());
        for (DocumentedManifest.FileEntry e : now.files()) {
            assertArrayEquals(sha256(readAll(work.updated.resolve(e.path()))), e.sha256(), e.path());
        }
    }

    @Test
    void backupLockFileMarksTheCopyUntilItsManifestIsWritten() throws IOException {
        String target = work.backup.toAbsolutePath().toString();
        for (Map.Entry<String, String> e : work.backupLockFile.entrySet()) {
            Path file = dir.resolve("backup-lock-" + e.getKey().replace(' ', '-'));
            Files.writeString(file, e.getValue());
            DocumentedLockFile lock = DocumentedLockFile.read(file);
            assertEquals(ProcessHandle.current().pid(), lock.pid(), e.getKey());
            // Copying, and until the manifest is written (reported before that): the copy's recovery
            // keeps the line, so that a recovery that fails leaves the copy marked unfinished.
            boolean copying = List.of("data files", "log", "recovery", "manifest").contains(e.getKey());
            assertEquals(copying ? "hot backup to " + target : null, lock.purpose(), e.getKey() + ": " + work.backupLockFile);
            assertEquals(copying, lock.copyingLine() != null, e.getKey() + ": " + work.backupLockFile);
        }
        assertTrue(work.backupLockFile.keySet().containsAll(List.of("data files", "log", "manifest", "done")),
                "phases seen: " + work.backupLockFile.keySet());
        DocumentedLockFile after = DocumentedLockFile.read(work.backup.resolve("cairn.lock"));
        assertNull(after.copyingLine(), "the end of the backup rewrites the lock file without the copying mark");
    }

    // --- helpers ---

    static int pageSize(String database) {
        return database.equals(ConformanceWorkload.WIDE) ? ConformanceWorkload.WIDE_PAGE_SIZE : ConformanceWorkload.PAGE_SIZE;
    }

    static boolean pending(DocumentedSpaceMap map, long page) {
        return map.pending().stream().anyMatch(x -> page >= x.first() && page < x.first() + x.pages());
    }

    static DocumentedRecord checkpointBefore(long lsn) {
        DocumentedRecord found = null;
        for (DocumentedRecord r : ofType(DocumentedPayload.CHECKPOINT)) {
            if (r.lsn() < lsn) {
                found = r;
            }
        }
        return found;
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static <T> java.util.Set<T> Set(java.util.Collection<T> c) {
        return new java.util.HashSet<>(c);
    }

    static void assertSameContents(TreeMap<Key, byte[]> expected, TreeMap<Key, byte[]> got, String what) {
        assertNotNull(got, what);
        assertEquals(expected.keySet(), got.keySet(), what + ": keys");
        expected.forEach((k, v) -> assertArrayEquals(v, got.get(k), what + ": value of " + new String(k.bytes(),
                StandardCharsets.ISO_8859_1)));
    }

    static Map<Integer, String> databaseNames() {
        Map<Integer, String> names = new HashMap<>();
        for (DocumentedRecord r : ofType(DocumentedPayload.DATABASE_CREATE)) {
            DatabaseCreate c = (DatabaseCreate) r.decoded();
            names.put(c.id(), c.name());
        }
        return names;
    }

    static Map<Integer, String> liveDatabasesAt(long lsn) {
        Map<Integer, String> live = new HashMap<>();
        for (DocumentedRecord r : records) {
            if (r.lsn() >= lsn) {
                break;
            }
            if (r.decoded() instanceof DatabaseCreate c) {
                live.put(c.id(), c.name());
            } else if (r.decoded() instanceof DatabaseRemove d) {
                live.remove(d.id());
            }
        }
        return live;
    }

    static int databaseId(String name) {
        return databaseNames().entrySet().stream().filter(e -> e.getValue().equals(name)).findFirst().orElseThrow().getKey();
    }

    static List<DocumentedRecord> ofType(int type) {
        return records.stream().filter(r -> r.type() == type).toList();
    }

    static DocumentedRecord only(int type, long txn) {
        List<DocumentedRecord> found = records.stream().filter(r -> r.type() == type && r.txnId() == txn).toList();
        assertEquals(1, found.size(), "records of type " + type + " for transaction " + txn);
        return found.get(0);
    }

    static DocumentedRecord at(long lsn) {
        return records.stream().filter(r -> r.lsn() == lsn).findFirst()
                .orElseThrow(() -> new AssertionError("no record at " + Lsn.format(lsn)));
    }

    static <T> T last(List<T> list) {
        return list.get(list.size() - 1);
    }

    static long parse(String lsn) {
        String[] parts = lsn.split("/");
        return Lsn.of(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
    }

    static byte[] readAll(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new AssertionError(p + ": " + e, e);
        }
    }

    private static String describe(List<LockedKey> keys) {
        return keys.stream().map(k -> k.databaseId() + ":" + new String(k.key(), StandardCharsets.ISO_8859_1)).toList().toString();
    }

    private static String describeRanges(List<Range> ranges) {
        return ranges.stream().map(r -> r.databaseId() + ":[" + (r.from() == null ? "" : new String(r.from(),
                StandardCharsets.ISO_8859_1)) + "," + (r.to() == null ? "" : new String(r.to(), StandardCharsets.ISO_8859_1))
                + ")").toList().toString();
    }
}
