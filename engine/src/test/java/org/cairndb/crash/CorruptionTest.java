package org.cairndb.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.cairndb.CorruptionException;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.RecoveryReport;
import org.cairndb.StorageException;
import org.cairndb.TransactionConfig;
import org.cairndb.io.NioFileIO;
import org.cairndb.log.LogScanner;
import org.cairndb.log.Lsn;
import org.cairndb.log.RecordFrame;
import org.cairndb.storage.DataFile;
import org.cairndb.storage.DataFileHeader;
import org.cairndb.storage.PageCache;
import org.cairndb.tree.BranchPage;
import org.cairndb.tree.Page;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damage that a crash cannot cause (a failing disk, an admin's mistake), and what recovery must
 * make of it. Either it repairs what it may (a torn log tail, one bad header copy of a data file),
 * says so in its report and loses nothing committed; or it refuses to open with an exception
 * naming the file and the offset or segment and saying that catastrophic recovery is needed, and
 * leaves every file as it was (so that catastrophic recovery, or undoing the damage, still works).
 *
 * <p>Each test builds an environment of several log segments whose recovery replays all of them
 * (no checkpoint since the first, and the environment is abandoned, not closed).
 */
class CorruptionTest {

    private static final int ACCOUNTS = 100;
    private static final int PAGE = 8192;

    @TempDir
    Path tmp;

    /**
     * An environment after a run of transfers, abandoned: recovery has to replay the log. Every
     * tenth transfer commits with SYNC, the others with WRITE_NO_SYNC (the process "crashes", the
     * machine does not, so all are kept; and the forces put proof of durability all over the log).
     */
    private record Setup(Path home, List<String> acked) {
        List<Path> segments() throws IOException {
            return CrashRig.segments(home);
        }

        Path dataFile(String db) {
            return home.resolve("data").resolve(db + DataFile.SUFFIX);
        }
    }

    private static EnvironmentConfig config() {
        return CrashRig.config(NioFileIO.INSTANCE, Durability.SYNC).logSegmentSize(64 << 10).checkpointerEnabled(false)
                .checkpointKBytes(0).cacheSize(64 << 20);
    }

    private Setup build(String name, int transfers, int checkpointEvery) {
        Path home = tmp.resolve(name);
        List<String> acked = new ArrayList<>();
        Environment env = Environment.open(home, config());
        Bank.create(env, ACCOUNTS);
        Database acc = env.openDatabase(Bank.ACCOUNTS, false);
        Database hist = env.openDatabase(Bank.HISTORY, false);
        Random r = new Random(name.hashCode());
        for (int i = 0; i < transfers; i++) {
            int from = r.nextInt(ACCOUNTS);
            int to = (from + 1 + r.nextInt(ACCOUNTS - 1)) % ACCOUNTS;
            Bank.Transfer t = new Bank.Transfer(name + "-" + i, from, to, 1 + r.nextInt(50));
            Bank.transfer(env, acc, hist, t, new TransactionConfig()
                    .durability(i % 10 == 9 || i == transfers - 1 ? Durability.SYNC : Durability.WRITE_NO_SYNC));
            acked.add(t.id());
            if (checkpointEvery > 0 && i % checkpointEvery == checkpointEvery - 1) {
                env.checkpoint(true);
            }
        }
        env.internals().abandon();
        return new Setup(home, acked);
    }

    /** A setup with at least {@code n} log segments. */
    private Setup buildSegments(String name, int n) throws IOException {
        Setup s = build(name, 700 * n, 0);
        assertTrue(s.segments().size() >= n, "setup has " + s.segments().size() + " segments");
        return s;
    }

    // ---- outcomes ----

    /** Opening is refused with {@code type}, naming {@code file}; nothing on disk changed. Returns the exception. */
    private static <T extends StorageException> T assertRefused(Setup s, Class<T> type, Path file) throws IOException {
        Map<String, String> before = CrashRig.fingerprint(s.home());
        StorageException e;
        try (Environment env = Environment.open(s.home(), config())) {
            throw new AssertionError("recovery accepted the damage to " + file.getFileName() + ": " + env.recoveryReport()
                    + "; lost " + missing(env, s.acked()).size() + " acknowledged transfers");
        } catch (StorageException ex) {
            e = ex;
        }
        if (!type.isInstance(e)) {
            throw new AssertionError("expected " + type.getSimpleName() + " but got " + CrashRig.describe(e), e);
        }
        assertNotNull(e.file(), "the exception names a file: " + e.getMessage());
        assertEquals(file.toAbsolutePath().normalize(), e.file().toAbsolutePath().normalize(),
                "the exception names the damaged file: " + e.getMessage());
        assertTrue(e.getMessage().contains(file.getFileName().toString()), "the message names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains("catastrophic recovery"),
                "the message says that catastrophic recovery is needed: " + e.getMessage());
        assertEquals(before, CrashRig.fingerprint(s.home()), "a refused recovery changes no file");
        return type.cast(e);
    }

    /** Opens, checks that every acknowledged transfer is there and the books balance; returns the report. */
    private static RecoveryReport assertRecovered(Setup s, List<String> mustHave) {
        try (Environment env = Environment.open(s.home(), config())) {
            RecoveryReport rr = env.recoveryReport();
            Bank.verify(env, ACCOUNTS, mustHave, "recovery: " + rr);
            return rr;
        }
    }

    private static List<String> missing(Environment env, List<String> acked) {
        Set<String> present = Bank.read(env, ACCOUNTS).history().keySet();
        List<String> m = new ArrayList<>();
        for (String id : acked) {
            if (!present.contains(id)) {
                m.add(id);
            }
        }
        return m;
    }

    // ---- file surgery ----

    private static void flip(Path file, long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, offset);
            b.put(0, (byte) (b.get(0) ^ 0x5A));
            b.clear();
            ch.write(b, offset);
        }
    }

    private static void zero(Path file, long offset, int length) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(length), offset);
        }
    }

    private static void truncate(Path file, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
    }

    private Path save(Path file) throws IOException {
        Path copy = tmp.resolve("saved-" + file.getFileName() + "-" + System.nanoTime());
        Files.copy(file, copy);
        return copy;
    }

    private static void restore(Path saved, Path file) throws IOException {
        Files.copy(saved, file, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The records of one segment: [offset, size] each. */
    private static List<long[]> records(Path home, Path segment) throws IOException {
        List<long[]> list = new ArrayList<>();
        long number = Long.parseLong(segment.getFileName().toString().substring(4));
        new LogScanner(NioFileIO.INSTANCE, home.resolve("log")).scan(Lsn.NULL, null, (RecordFrame f) -> {
            if (Lsn.segment(f.lsn()) == number) {
                list.add(new long[] {Lsn.offset(f.lsn()), f.size()});
            }
        });
        return list;
    }

    // ---- the log ----

    @Test
    void aTruncatedEarlierSegmentIsRefusedByName() throws IOException {
        Setup s = buildSegments("trunc-mid", 4);
        Path seg = s.segments().get(1);
        Path saved = save(seg);
        List<long[]> recs = records(s.home(), seg);
        long[] victim = recs.get(recs.size() / 2);
        truncate(seg, victim[0] + victim[1] / 2); // in the middle of a record
        CorruptionException e = assertRefused(s, CorruptionException.class, seg);
        assertEquals(victim[0], e.offset(), "the offset is where the cut record starts: " + e.getMessage());
        restore(saved, seg);
        assertRecovered(s, s.acked());
    }

    @Test
    void anEarlierSegmentTruncatedAtARecordBoundaryBreaksTheChain() throws IOException {
        Setup s = buildSegments("trunc-boundary", 4);
        Path seg = s.segments().get(1);
        List<long[]> recs = records(s.home(), seg);
        truncate(seg, recs.get(recs.size() / 2)[0]);
        Map<String, String> before = CrashRig.fingerprint(s.home());
        try (Environment env = Environment.open(s.home(), config())) {
            fail("recovery accepted a truncated segment: " + env.recoveryReport());
        } catch (CorruptionException e) {
            // Either the truncated segment or the next one (whose header names where this one ended) is named.
            Path next = s.segments().get(2);
            assertTrue(e.file().getFileName().equals(seg.getFileName()) || e.file().getFileName().equals(next.getFileName()),
                    e.getMessage());
            assertTrue(e.getMessage().contains("catastrophic recovery"), e.getMessage());
        }
        assertEquals(before, CrashRig.fingerprint(s.home()));
    }

    /**
     * The last segment cut short in the middle of records that were forced (acknowledged). Log
     * segments are preallocated at full size and forced with their size, so no crash leaves a
     * short segment: the missing bytes were durable. Recovery must not take this for a torn tail
     * and silently drop acknowledged commits.
     */
    @Test
    void aTruncatedLastSegmentIsNotTakenForATornTail() throws IOException {
        Setup s = buildSegments("trunc-last", 3);
        List<Path> segs = s.segments();
        Path last = segs.get(segs.size() - 1);
        List<long[]> recs = records(s.home(), last);
        assertTrue(recs.size() > 20, "the last segment has records: " + recs.size());
        long[] victim = recs.get(recs.size() / 2);
        truncate(last, victim[0] + victim[1] / 2);
        assertRefused(s, CorruptionException.class, last);
    }

    /**
     * The last segment cut short before the position where recovery starts (a copy that stopped
     * early, after a clean close): the error said "corrupt at offset N: no more records" for an
     * offset past the end of a shorter file. It now says that recovery reads from there and the
     * segment ends before it.
     */
    @Test
    void aLastSegmentCutBeforeTheRecoveryStartSaysSo() throws IOException {
        Path home = tmp.resolve("cut-before-start");
        try (Environment env = Environment.open(home, config())) {
            Database d = env.openDatabase("d");
            for (int i = 0; i < 2000; i++) {
                d.put(null, ("k" + i).getBytes(java.nio.charset.StandardCharsets.US_ASCII), new byte[200]);
            }
        } // a checkpoint at the close: recovery starts near the end of the last segment
        long start;
        try (org.cairndb.io.StorageFile f = NioFileIO.INSTANCE.open(home.resolve("data/d.cdb"), false, false)) {
            start = DataFile.readHeader(f, home.resolve("data/d.cdb")).checkpointLsn();
        }
        Path segment = home.resolve("log").resolve(org.cairndb.log.SegmentFiles.name(Lsn.segment(start)));
        truncate(segment, Lsn.offset(start) / 2);
        Map<String, String> before = CrashRig.fingerprint(home);
        CorruptionException e = org.junit.jupiter.api.Assertions.assertThrows(CorruptionException.class,
                () -> Environment.open(home, config()).close());
        assertEquals(segment.toAbsolutePath().normalize(), e.file().toAbsolutePath().normalize(), e.getMessage());
        assertEquals(Lsn.offset(start), e.offset(), e.getMessage());
        assertTrue(e.getMessage().contains("the log is read from here (LSN " + Lsn.toString(start) + ", where recovery"
                + " starts), past the end of the segment"), e.getMessage());
        assertTrue(e.getMessage().contains("but is only " + Lsn.offset(start) / 2 + " bytes long"), e.getMessage());
        assertEquals(before, CrashRig.fingerprint(home), "the refused open changed no file");
    }

    /** The record a third of the way into {@code seg}: its offset and length. */
    private static long[] aRecordAThirdInto(Setup s, Path seg) throws IOException {
        List<long[]> recs = records(s.home(), seg);
        return recs.get(recs.size() / 3);
    }

    @Test
    void flippedBytesInAnEarlierSegmentAreRefusedByNameAndOffset() throws IOException {
        Setup s = buildSegments("flip-mid", 4);
        Path seg = s.segments().get(1);
        long[] victim = aRecordAThirdInto(s, seg);
        flip(seg, victim[0] + victim[1] / 2);
        CorruptionException e = assertRefused(s, CorruptionException.class, seg);
        assertEquals(victim[0], e.offset(), e.getMessage());
        flip(seg, victim[0] + victim[1] / 2);
        assertRecovered(s, s.acked());
    }

    /**
     * Damage in the middle of the log, and no good copy of the segment: the refusal says how to
     * recover everything before it (a point-in-time recovery to the damaged record's LSN), and that
     * recovery works, never reading the damaged record: it holds exactly the transfers before it.
     */
    @Test
    void everythingBeforeDamageInTheMiddleOfTheLogCanBeRecovered() throws IOException {
        Setup s = buildSegments("flip-before", 4);
        Path seg = s.segments().get(1);
        long[] victim = aRecordAThirdInto(s, seg);
        flip(seg, victim[0] + victim[1] / 2);
        CorruptionException e = assertRefused(s, CorruptionException.class, seg);
        String lsn = Lsn.toString(Lsn.of(org.cairndb.log.SegmentFiles.number(seg.getFileName().toString()), victim[0]));
        assertTrue(e.getMessage().contains("--to-lsn " + lsn + " --exclusive"), e.getMessage());
        try (Environment env = Environment.open(s.home(), config()
                .recoveryTarget(org.cairndb.RecoveryTarget.lsn(Lsn.parse(lsn), false)))) {
            List<String> lost = missing(env, s.acked());
            List<String> kept = s.acked().subList(0, s.acked().size() - lost.size());
            assertEquals(s.acked().subList(kept.size(), s.acked().size()), lost, "what is kept is a prefix of the transfers");
            assertTrue(!kept.isEmpty() && !lost.isEmpty(), kept.size() + " kept, " + lost.size() + " lost");
            Bank.verify(env, ACCOUNTS, kept, "recovered up to the damage: " + env.recoveryReport());
            assertTrue(env.recoveryReport().toString().contains("stopped at the recovery target"),
                    env.recoveryReport().toString());
        }
    }

    /** The same to a transaction that committed before the damage: the search for its commit stops there too. */
    @Test
    void aTransactionCommittedBeforeDamageInTheMiddleOfTheLogCanBeRecoveredTo() throws IOException {
        Setup s = buildSegments("flip-before-txn", 4);
        Path seg = s.segments().get(1);
        long[] victim = aRecordAThirdInto(s, seg);
        long[] txn = new long[1];
        new LogScanner(NioFileIO.INSTANCE, s.home().resolve("log")).scan(Lsn.NULL, null, f -> {
            if (f.type() == org.cairndb.log.LogRecordType.COMMIT && f.lsn() < Lsn.of(2, victim[0])) {
                txn[0] = f.txnId();
            }
        });
        flip(seg, victim[0] + victim[1] / 2);
        try (Environment env = Environment.open(s.home(), config()
                .recoveryTarget(org.cairndb.RecoveryTarget.transaction(txn[0], true)))) {
            assertTrue(env.recoveryReport().toString().contains("stopped at the recovery target"),
                    env.recoveryReport().toString());
            assertEquals(0, env.preparedTransactions().size());
        }
    }

    @Test
    void flippedBytesInTheLastSegmentBeforeRecordsProvenDurableAreRefused() throws IOException {
        Setup s = buildSegments("flip-last", 2);
        List<Path> segs = s.segments();
        Path last = segs.get(segs.size() - 1);
        List<long[]> recs = records(s.home(), last);
        assertTrue(recs.size() > 10);
        long[] victim = recs.get(recs.size() / 3);
        flip(last, victim[0] + victim[1] / 2);
        CorruptionException e = assertRefused(s, CorruptionException.class, last);
        assertEquals(victim[0], e.offset(), e.getMessage());
        assertTrue(e.getMessage().contains("forced"), "the message says why this is not a torn tail: " + e.getMessage());
        flip(last, victim[0] + victim[1] / 2);
        assertRecovered(s, s.acked());
    }

    /**
     * Transfers written without a force after a checkpoint, then a database created (which forces
     * the log: every transfer is durable, and the new file's checkpoint starts at its creation),
     * abandoned.
     */
    private Setup noSyncTransfersThenACreation(String name) {
        Path home = tmp.resolve(name);
        List<String> acked = new ArrayList<>();
        Environment env = Environment.open(home, config());
        Bank.create(env, ACCOUNTS);
        Database acc = env.openDatabase(Bank.ACCOUNTS, false);
        Database hist = env.openDatabase(Bank.HISTORY, false);
        env.checkpoint(true);
        for (int i = 0; i < 20; i++) {
            Bank.Transfer t = new Bank.Transfer(name + "-" + i, i % ACCOUNTS, (i + 1) % ACCOUNTS, 1);
            Bank.transfer(env, acc, hist, t, new TransactionConfig().durability(Durability.WRITE_NO_SYNC));
            acked.add(t.id());
        }
        env.openDatabase("later", true);
        env.internals().abandon();
        return new Setup(home, acked);
    }

    /**
     * The same with the records zeroed from one of the transfers on: the log then seems to end
     * cleanly there, before the new file's start.
     */
    @Test
    void zeroedRecordsBeforeTheStartOfADataFileAreRefused() throws IOException {
        Setup s = noSyncTransfersThenACreation("zeroed-before-start");
        List<Path> segs = s.segments();
        Path last = segs.get(segs.size() - 1);
        List<long[]> recs = records(s.home(), last);
        long[] victim = recs.get(recs.size() - 10);
        long[] end = recs.get(recs.size() - 1);
        Path saved = save(last);
        zero(last, victim[0], (int) (end[0] + end[1] - victim[0]));
        CorruptionException e = assertRefused(s, CorruptionException.class, last);
        assertEquals(victim[0], e.offset(), e.getMessage());
        assertTrue(e.getMessage().contains("later.cdb"), "the message names the data file: " + e.getMessage());
        restore(saved, last);
        assertRecovered(s, s.acked());
    }

    /**
     * Damage in the last segment before the LSN a data file's checkpoint starts at. Nothing is
     * written to a data file before the log is forced past every commit it holds (and a new
     * database's file names its DATABASE_CREATE record), so the bytes had been forced even when no
     * later record says so: transfers written without a force, then a database created. Taken for
     * a torn tail, the cut dropped the transfers and the creation, while the new file stayed with
     * a start past the end of the log.
     */
    @Test
    void damageBeforeTheStartOfADataFileIsRefusedNotCutOff() throws IOException {
        Setup s = noSyncTransfersThenACreation("before-start");
        Path home = s.home();
        List<Path> segs = s.segments();
        Path last = segs.get(segs.size() - 1);
        List<long[]> recs = records(home, last);
        long[] victim = recs.get(recs.size() - 10);
        flip(last, victim[0] + victim[1] / 2);
        CorruptionException e = assertRefused(s, CorruptionException.class, last);
        assertEquals(victim[0], e.offset(), e.getMessage());
        assertTrue(e.getMessage().contains("later.cdb"), "the message says what proves the bytes were forced: "
                + e.getMessage());
        // Recovering to before the damage would be refused (the data files hold later commits): not offered.
        org.junit.jupiter.api.Assertions.assertFalse(e.getMessage().contains("--to-lsn"), e.getMessage());
        assertTrue(e.getMessage().contains("restore a good copy of this segment"), e.getMessage());
        flip(last, victim[0] + victim[1] / 2);
        assertRecovered(s, s.acked());
    }

    /**
     * Damage to the very last record cannot be told from a write torn by a crash (nothing after it
     * proves it was forced): recovery cuts it off and says so. Everything before it is kept.
     */
    @Test
    void damageToTheLastRecordIsCutOffAsATornTailAndReported() throws IOException {
        Setup s = buildSegments("flip-tail", 2);
        List<Path> segs = s.segments();
        Path last = segs.get(segs.size() - 1);
        List<long[]> recs = records(s.home(), last);
        long[] victim = recs.get(recs.size() - 1);
        flip(last, victim[0] + victim[1] - 6);
        RecoveryReport rr = assertRecovered(s, s.acked().subList(0, s.acked().size() - 1));
        assertNotNull(rr.truncatedTail(), "the report says a tail was cut off: " + rr);
        assertTrue(rr.truncatedTail().contains(last.getFileName().toString()), rr.truncatedTail());
        assertTrue(rr.truncatedTail().contains(Lsn.toString(Lsn.of(segs.size(), victim[0]))), rr.truncatedTail());
    }

    @Test
    void aMissingSegmentIsNamed() throws IOException {
        Setup s = buildSegments("missing-mid", 4);
        Path seg = s.segments().get(2);
        Path saved = save(seg);
        Files.delete(seg);
        StorageException e = assertRefused(s, StorageException.class, seg);
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
        restore(saved, seg);
        assertRecovered(s, s.acked());
    }

    @Test
    void aMissingFirstSegmentWhereRecoveryStartsIsNamed() throws IOException {
        Setup s = buildSegments("missing-first", 3);
        Path seg = s.segments().get(0);
        Files.delete(seg);
        StorageException e = assertRefused(s, StorageException.class, seg);
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void aSegmentOfAnotherEnvironmentInThePlaceOfOneOfOursIsRefused() throws IOException {
        Setup mine = buildSegments("mine", 4);
        Setup other = buildSegments("other", 4);
        Path seg = mine.segments().get(1);
        Path saved = save(seg);
        Files.copy(other.segments().get(1), seg, StandardCopyOption.REPLACE_EXISTING);
        CorruptionException e = assertRefused(mine, CorruptionException.class, seg);
        assertTrue(e.getMessage().contains("environment"), e.getMessage());
        restore(saved, seg);
        assertRecovered(mine, mine.acked());
    }

    @Test
    void aSegmentOfAnotherEnvironmentAfterOurLastIsRefused() throws IOException {
        Setup mine = buildSegments("mine2", 2);
        Setup other = buildSegments("other2", 4);
        List<Path> segs = mine.segments();
        Path intruder = segs.get(0).resolveSibling(other.segments().get(segs.size()).getFileName());
        Files.copy(other.segments().get(segs.size()), intruder);
        CorruptionException e = assertRefused(mine, CorruptionException.class, intruder);
        assertTrue(e.getMessage().contains("environment"), e.getMessage());
        Files.delete(intruder);
        assertRecovered(mine, mine.acked());
    }

    // ---- data files ----

    /** Headers of a data file: copy 0 and copy 1 (null where invalid). */
    private static DataFileHeader[] headers(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        DataFileHeader[] h = new DataFileHeader[2];
        for (int i = 0; i < 2; i++) {
            try {
                h[i] = DataFileHeader.decode(ByteBuffer.wrap(all, i * PAGE, PAGE).slice());
            } catch (IllegalArgumentException e) {
                h[i] = null;
            }
        }
        return h;
    }

    private Setup buildWithCheckpoints(String name) throws IOException {
        Setup s = build(name, 1500, 400);
        DataFileHeader[] h = headers(s.dataFile(Bank.ACCOUNTS));
        assertNotNull(h[0]);
        assertNotNull(h[1]);
        return s;
    }

    /**
     * One bad header copy (as a failing disk could leave it): the other copy is used, recovery
     * replays from its older checkpoint, nothing is lost, and the report says which copy was bad.
     */
    @Test
    void aZeroedNewerHeaderCopyFallsBackToTheOlderOneAndSaysSo() throws IOException {
        Setup s = buildWithCheckpoints("zero-newer");
        Path file = s.dataFile(Bank.ACCOUNTS);
        DataFileHeader[] h = headers(file);
        int newer = h[0].generation() > h[1].generation() ? 0 : 1;
        zero(file, (long) newer * PAGE, PAGE);
        RecoveryReport rr = assertRecovered(s, s.acked());
        // Opening again after recovery (which checkpointed over the bad copy) works as well.
        assertRecovered(s, s.acked());
        String text = rr.toString();
        assertTrue(text.contains(file.getFileName().toString()) && text.contains("header"),
                "the recovery report says that a header copy of " + file.getFileName() + " was bad: " + text);
    }

    @Test
    void aZeroedOlderHeaderCopyIsHarmless() throws IOException {
        Setup s = buildWithCheckpoints("zero-older");
        Path file = s.dataFile(Bank.HISTORY);
        DataFileHeader[] h = headers(file);
        int older = h[0].generation() < h[1].generation() ? 0 : 1;
        zero(file, (long) older * PAGE, PAGE);
        assertRecovered(s, s.acked());
    }

    /**
     * With pages larger than 8 KiB the second header copy lies past the first 16 KiB: a file whose
     * first copy is zero (damaged) was taken for a blank file, a creation cut short, and refused,
     * though its second copy was valid.
     */
    @Test
    void aZeroedFirstHeaderCopyOfAFileOfLargePagesFallsBackToTheSecond() throws IOException {
        Path home = tmp.resolve("large-pages");
        List<String> acked = new ArrayList<>();
        Environment env = Environment.open(home, config().pageSize(32 << 10));
        Bank.create(env, ACCOUNTS);
        Database acc = env.openDatabase(Bank.ACCOUNTS, false);
        Database hist = env.openDatabase(Bank.HISTORY, false);
        for (int i = 0; i < 30; i++) {
            Bank.Transfer t = new Bank.Transfer("large-" + i, i % ACCOUNTS, (i + 1) % ACCOUNTS, 1);
            Bank.transfer(env, acc, hist, t, new TransactionConfig().durability(Durability.SYNC));
            acked.add(t.id());
            if (i % 10 == 9) {
                env.checkpoint(true);
            }
        }
        env.internals().abandon();
        Setup s = new Setup(home, acked);
        Path file = s.dataFile(Bank.ACCOUNTS);
        zero(file, 0, 32 << 10);
        RecoveryReport rr = assertRecovered(s, acked);
        assertTrue(rr.toString().contains(file.getFileName() + ": header copy 1 is unusable"), rr.toString());
    }

    /**
     * A data file of another environment put into data/ under a name that sorts before the
     * environment's own files: it is the one refused, not the environment's own files or its log.
     */
    @Test
    void aDataFileOfAnotherEnvironmentIsTheOneRefused() throws IOException {
        Setup s = build("foreign-data", 100, 50);
        Path other = tmp.resolve("other");
        try (Environment env = Environment.open(other, config())) {
            env.openDatabase("aaa", true).put(null, Bank.bytes("k"), Bank.bytes("v"));
            env.checkpoint(true);
        }
        Path foreign = s.home().resolve("data").resolve("aaa" + DataFile.SUFFIX);
        Files.copy(other.resolve("data").resolve("aaa" + DataFile.SUFFIX), foreign);
        CorruptionException e = assertRefused(s, CorruptionException.class, foreign);
        assertTrue(e.getMessage().contains("another environment"), e.getMessage());
    }

    @Test
    void bothHeaderCopiesBadIsRefusedByName() throws IOException {
        Setup s = buildWithCheckpoints("both-headers");
        Path file = s.dataFile(Bank.ACCOUNTS);
        flip(file, 100);
        flip(file, PAGE + 100);
        CorruptionException e = assertRefused(s, CorruptionException.class, file);
        assertEquals(0, e.offset(), e.getMessage());
    }

    /**
     * Copy 1 zeroed and copy 2 torn in a file checkpointed many times: what a blank first copy would
     * be in a new file, but this one holds a tree the log no longer creates.
     */
    @Test
    void aZeroedFirstAndATornSecondHeaderCopyAreRefusedByName() throws IOException {
        Setup s = buildWithCheckpoints("zero-and-torn");
        Path file = s.dataFile(Bank.ACCOUNTS);
        zero(file, 0, PAGE);
        flip(file, PAGE + 100);
        CorruptionException e = assertRefused(s, CorruptionException.class, file);
        assertEquals(0, e.offset(), e.getMessage());
    }

    /** A data file cut to nothing (a blank file is what a creation cut short leaves): refused unless the log creates it. */
    @Test
    void aDataFileCutToNothingIsRefusedByName() throws IOException {
        Setup s = buildWithCheckpoints("empty-data");
        Path file = s.dataFile(Bank.HISTORY);
        truncate(file, 0);
        CorruptionException e = assertRefused(s, CorruptionException.class, file);
        assertEquals(0, e.offset(), e.getMessage());
    }

    /** The space map of the newer header, damaged: refused by file and offset, at the open. */
    @Test
    void aCorruptSpaceMapPageIsRefusedByFileAndOffset() throws IOException {
        Setup s = buildWithCheckpoints("space-map");
        Path file = s.dataFile(Bank.HISTORY);
        DataFileHeader[] h = headers(file);
        DataFileHeader newer = h[0].generation() > h[1].generation() ? h[0] : h[1];
        flip(file, newer.spaceMapPage() * PAGE + 40);
        CorruptionException e = assertRefused(s, CorruptionException.class, file);
        assertEquals(newer.spaceMapPage() * PAGE, e.offset(), e.getMessage());
    }

    /** The page holding {@code key} in the checkpointed tree of a data file, and the root page. */
    private static long[] leafAndRoot(Path file, byte[] key) throws IOException {
        PageCache cache = new PageCache(4 << 20, () -> 0);
        try (DataFile df = DataFile.open(NioFileIO.INSTANCE, file, null, false, cache, new AtomicLong())) {
            Page p = df.loadRoot();
            long root = p.pos();
            while (p instanceof BranchPage b) {
                p = b.child(b.childIndex(key), df);
            }
            return new long[] {p.pos(), root};
        }
    }

    @Test
    void aCorruptLeafPageIsReportedByFileAndOffset() throws IOException {
        Setup s = buildWithCheckpoints("leaf");
        Path file = s.dataFile(Bank.HISTORY);
        byte[] key = Bank.Transfer.historyKey(s.acked().get(10));
        long[] pages = leafAndRoot(file, key);
        assertTrue(pages[0] != pages[1], "the tree has more than one level");
        flip(file, pages[0] * PAGE + PAGE / 3);
        long expectedOffset = pages[0] * PAGE;
        Map<String, String> before = CrashRig.fingerprint(s.home());
        CorruptionException e = null;
        try (Environment env = Environment.open(s.home(), config())) {
            // Recovery did not need the page; reading the key must find the damage.
            try {
                env.openDatabase(Bank.HISTORY, false).get(null, key);
                fail("reading from a corrupt page returned data");
            } catch (CorruptionException ex) {
                e = ex;
            }
        } catch (CorruptionException ex) {
            e = ex;
            assertEquals(before, CrashRig.fingerprint(s.home()), "a refused recovery changes no file");
        }
        assertEquals(file.toAbsolutePath(), e.file().toAbsolutePath(), e.getMessage());
        assertEquals(expectedOffset, e.offset(), e.getMessage());
        assertTrue(e.getMessage().contains("catastrophic recovery"), e.getMessage());
    }

    @Test
    void aCorruptRootPageIsRefusedByFileAndOffset() throws IOException {
        Setup s = buildWithCheckpoints("root");
        Path file = s.dataFile(Bank.ACCOUNTS);
        long root = leafAndRoot(file, Bank.account(0))[1];
        DataFileHeader[] h = headers(file);
        // The root of the newer header; the older header's tree may be used only if the newer is bad.
        flip(file, root * PAGE + 40);
        CorruptionException e = assertRefused(s, CorruptionException.class, file);
        assertEquals(root * PAGE, e.offset(), e.getMessage());
        assertNotNull(h[0]);
    }

    @Test
    void aTruncatedDataFileIsRefusedByName() throws IOException {
        Setup s = buildWithCheckpoints("trunc-data");
        Path file = s.dataFile(Bank.HISTORY);
        long size = Files.size(file);
        truncate(file, Math.max(3 * PAGE, (size / PAGE / 2) * PAGE));
        CorruptionException e = assertRefused(s, CorruptionException.class, file);
        assertTrue(e.offset() >= 2 * PAGE, e.getMessage());
        assertTrue(e.getMessage().contains("end of the file") || e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void aMissingDataFileIsNamed() throws IOException {
        Setup s = buildWithCheckpoints("missing-data");
        Path file = s.dataFile(Bank.HISTORY);
        Files.delete(file);
        Map<String, String> before = CrashRig.fingerprint(s.home());
        try (Environment env = Environment.open(s.home(), config())) {
            fail("recovery accepted a missing data file: " + env.recoveryReport());
        } catch (StorageException e) {
            assertTrue(e.getMessage().contains(Bank.HISTORY), e.getMessage());
            assertTrue(e.getMessage().contains("catastrophic recovery"), e.getMessage());
        }
        assertEquals(before, CrashRig.fingerprint(s.home()));
        assertTrue(new HashSet<>(s.acked()).size() > 0);
    }
}
