package org.cairndb.cli;

import static org.cairndb.cli.TestEnvironments.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.Transaction;
import org.cairndb.TransactionConfig;
import org.cairndb.io.NioFileIO;
import org.cairndb.log.SegmentFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cairn archive}, like {@code db_archive}. */
class ArchiveCommandTest {

    @TempDir
    Path dir;

    Path home;

    static EnvironmentConfig config() {
        return new EnvironmentConfig().cacheSize(16L << 20).checkpointerEnabled(false);
    }

    /** An environment of 64 KiB segments (set in cairn.properties, as an admin would) with {@code segments} of them. */
    Environment open(String moreProperties) throws Exception {
        home = dir.resolve("env");
        Files.createDirectories(home);
        Files.writeString(home.resolve("cairn.properties"), "cairn.log.segment.size=64k\n" + moreProperties);
        return Environment.open(home, config());
    }

    static void fillTo(Environment env, long segment) {
        Database db = env.openDatabase("db");
        TransactionConfig fast = new TransactionConfig().durability(Durability.WRITE_NO_SYNC);
        for (int i = 0; env.internals().log().currentSegment() < segment; i++) {
            try (Transaction t = env.beginTransaction(fast)) {
                db.put(t, b("k" + i), new byte[2000]);
                t.commit();
            }
        }
    }

    List<String> segmentNames() throws Exception {
        List<String> out = new ArrayList<>();
        for (long n : SegmentFiles.list(NioFileIO.INSTANCE, home.resolve("log"))) {
            out.add("log/" + SegmentFiles.name(n));
        }
        return out;
    }

    static List<String> lines(CliRun.Result r) {
        assertEquals(0, r.exit(), r::toString);
        return r.out().isEmpty() ? List.of() : List.of(r.out().split("\\R"));
    }

    /** Five segments, a checkpoint in the fourth: the first three are no longer needed. */
    Environment fiveSegmentsCheckpointedInTheFourth() throws Exception {
        Environment env = open("");
        fillTo(env, 4);
        env.checkpoint(true);
        fillTo(env, 5);
        return env;
    }

    @Test
    void listsUnneededSegmentsAllSegmentsAndDataFiles() throws Exception {
        fiveSegmentsCheckpointedInTheFourth().close(); // closing checkpoints in the fifth
        List<String> all = segmentNames();
        assertEquals(5, all.size(), all::toString);
        assertEquals(all.subList(0, 4), lines(CliRun.run("archive", "-h", home.toString())));
        assertEquals(all, lines(CliRun.run("archive", "-h", home.toString(), "-l")));
        assertEquals(List.of("data/db.cdb"), lines(CliRun.run("archive", "-h", home.toString(), "-s")));
        List<String> both = lines(CliRun.run("archive", "-h", home.toString(), "-s", "-l"));
        assertEquals("data/db.cdb", both.get(0));
        assertEquals(all, both.subList(1, both.size()));
        List<String> absolute = lines(CliRun.run("archive", "-h", home.toString(), "-a", "-l"));
        assertEquals(home.toAbsolutePath().normalize().resolve(all.get(0)).toString(), absolute.get(0));
    }

    @Test
    void verboseSaysWhyEachKeptSegmentIsKept() throws Exception {
        try (Environment env = fiveSegmentsCheckpointedInTheFourth()) {
            Transaction prepared = env.beginTransaction();
            env.openDatabase("db").put(prepared, b("in-doubt"), b("v"));
            prepared.prepare(b("gid-1"));
            fillTo(env, 6);
            env.checkpoint(true);
            fillTo(env, 7);
        }
        List<String> out = lines(CliRun.run("archive", "-h", home.toString(), "-v"));
        assertEquals(List.of("log/log.0000000001", "log/log.0000000002", "log/log.0000000003", "log/log.0000000004"),
                out.subList(0, 4), out::toString);
        assertTrue(out.get(4).startsWith("kept log/log.0000000005: "), out::toString);
        assertTrue(out.get(4).contains("; prepared transaction ") && out.get(4).contains(" (in doubt) has its PREPARE"
                + " record at 5/"), out::toString);
        assertTrue(out.get(5).startsWith("kept log/log.0000000006: recovery needs it"), out::toString);
        assertEquals("kept log/log.0000000007: it is being written", out.get(6), out::toString);
    }

    @Test
    void removeDeletesTheUnneededSegmentsAndSaysWhich() throws Exception {
        long before;
        try (Environment env = fiveSegmentsCheckpointedInTheFourth()) {
            before = env.openDatabase("db", false).count();
        }
        List<String> all = segmentNames();
        List<String> removed = lines(CliRun.run("archive", "-h", home.toString(), "-d"));
        assertEquals(all.subList(0, 4).stream().map(s -> "removed " + s).toList(), removed);
        assertEquals(all.subList(4, 5), segmentNames());
        assertEquals(List.of(), lines(CliRun.run("archive", "-h", home.toString())));
        assertEquals(List.of(), lines(CliRun.run("archive", "-h", home.toString(), "-d")));
        CliRun.Result v = CliRun.run("verify", "-h", home.toString());
        assertEquals(0, v.exit(), v::toString);
        try (Environment env = Environment.open(home, config().allowCreate(false))) {
            assertEquals(before, env.openDatabase("db", false).count());
        }
    }

    /**
     * The admin's procedure: copy what {@code cairn archive} lists, then {@code cairn archive -d}.
     * The removal must take exactly what was listed, also after a crash (whose recovery the listing
     * runs) and with other commands opening the environment in between: none of them may move the
     * recovery start so that a segment never listed, and so never copied, gets removed.
     */
    @Test
    void theRemovalAfterAListingRemovesExactlyWhatWasListed() throws Exception {
        listThenRemoveAfterACrash(false);
    }

    /** The same with a heuristic outcome remembered (recovery then starts one checkpoint back). */
    @Test
    void theRemovalAfterAListingRemovesExactlyWhatWasListedWithAHeuristicOutcomeRemembered() throws Exception {
        listThenRemoveAfterACrash(true);
    }

    private void listThenRemoveAfterACrash(boolean heuristic) throws Exception {
        Environment env = fiveSegmentsCheckpointedInTheFourth();
        if (heuristic) {
            Transaction t = env.beginTransaction();
            env.openDatabase("db", false).put(t, b("in doubt"), b("1"));
            t.prepare(b("gid"));
            t.heuristicRollback();
            env.checkpoint(true);
            fillTo(env, 6);
            env.checkpoint(true);
        }
        fillTo(env, 8);
        env.internals().abandon(); // a crash: four segments written since the checkpoint
        List<String> listed = lines(CliRun.run("archive", "-h", home.toString()));
        assertTrue(listed.size() >= 3, "after recovery's checkpoint the old segments are listed: " + listed);
        for (int i = 0; i < 3; i++) {
            assertEquals(listed, lines(CliRun.run("archive", "-h", home.toString())), "listing again changes nothing");
            assertEquals(0, CliRun.run("stat", "-h", home.toString()).exit());
            assertEquals(0, CliRun.run("dump", "-h", home.toString(), "db").exit());
        }
        List<String> removed = lines(CliRun.run("archive", "-h", home.toString(), "-d"));
        assertEquals(listed.stream().map(s -> "removed " + s).toList(), removed);
    }

    @Test
    void removeCannotBeCombinedWithAListing() throws Exception {
        open("").close();
        CliRun.Result r = CliRun.run("archive", "-h", home.toString(), "-d", "-l");
        assertEquals(ExitCodes.USAGE, r.exit(), r::toString);
        assertTrue(r.err().startsWith("cairn archive: -d removes"), r::toString);
    }

    @Test
    void besideARunningApplicationListingsWorkAndRemovalIsRefused() throws Exception {
        try (Environment env = fiveSegmentsCheckpointedInTheFourth()) {
            List<String> all = segmentNames();
            CliRun.Result l = CliRun.run("archive", "-h", home.toString(), "-l");
            assertEquals(all, lines(l));
            assertEquals("", l.err(), "a listing needs no lock");
            CliRun.Result unneeded = CliRun.run("archive", "-h", home.toString(), "-v");
            assertEquals(all.subList(0, 3), lines(unneeded).subList(0, 3), unneeded::toString);
            assertTrue(lines(unneeded).get(3).startsWith("kept log/log.0000000004: recovery needs it: data/db.cdb was"
                    + " last checkpointed with the log from LSN 4/"), unneeded::toString);
            assertTrue(unneeded.err().startsWith("cairn archive: note: environment ") && unneeded.err().contains("in use by"),
                    unneeded::toString);
            // The listing went on without the environment: the note says who holds it, not to close it there.
            assertFalse(unneeded.err().contains("close it there"), unneeded::toString);
            // The engine agrees on what is not needed.
            assertEquals(all.subList(0, 3), env.internals().logArchive().archivable().stream()
                    .map(p -> "log/" + p.getFileName()).toList());
            CliRun.Result d = CliRun.run("archive", "-h", home.toString(), "-d");
            assertEquals(ExitCodes.FAILED, d.exit(), d::toString);
            assertEquals(1, d.errLines().length, d::toString);
            assertTrue(d.err().contains("in use by process") && d.err().contains("-d needs the environment"), d::toString);
            assertEquals(all, segmentNames(), "nothing removed");
        }
    }

    /**
     * Beside a running application, a segment counted as archived when the archive held a file of
     * its name and size; every finished segment has its preallocated size, so another history's
     * copy there (the original's, for a restored backup or failover copy opened beside it, whose
     * archiving the archive refuses) made this home's unarchived segment "no longer needed". It
     * counts only when the archive's copy is identical, as the engine's own archiving requires.
     */
    @Test
    void besideARunningApplicationAnArchivedCopyOfAnotherHistoryDoesNotCount() throws Exception {
        Path archive = dir.resolve("archive-disk");
        fourSegmentsThreeArchived(archive);
        Path other = archive.resolve("log.0000000002");
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(other,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {(byte) 0x5a}), 1000); // same size, other records
        }
        try (Environment env = Environment.open(home, config())) {
            CliRun.Result unneeded = CliRun.run("archive", "-h", home.toString(), "-v");
            assertEquals(0, unneeded.exit(), unneeded::toString);
            assertTrue(unneeded.err().contains("in use by"), unneeded::toString);
            List<String> out = lines(unneeded);
            assertTrue(out.contains("log/log.0000000001"), unneeded::toString);
            assertFalse(out.contains("log/log.0000000002"), unneeded::toString);
            assertTrue(out.contains("kept log/log.0000000002: continuous archiving has not copied it to " + archive
                    + " yet"), unneeded::toString);
        }
    }

    /**
     * A file layer for the listings that runs {@code step} once, in the command's thread, just after
     * it lists the data directory ({@code atList}) or just before it opens {@code fileName} there:
     * the application removing a database at that moment.
     */
    private static final class RemovingWhileListed extends org.cairndb.io.ForwardingFileIO {
        private final Path dataDir;
        private final String fileName;
        private final boolean atList;
        private final java.util.concurrent.atomic.AtomicReference<Runnable> step;

        RemovingWhileListed(Path dataDir, String fileName, boolean atList, Runnable step) {
            super(NioFileIO.INSTANCE);
            this.dataDir = dataDir.toAbsolutePath().normalize();
            this.fileName = fileName;
            this.atList = atList;
            this.step = new java.util.concurrent.atomic.AtomicReference<>(step);
        }

        boolean ran() {
            return step.get() == null;
        }

        @Override
        public List<String> list(Path d) throws java.io.IOException {
            List<String> names = super.list(d);
            if (atList && d.toAbsolutePath().normalize().equals(dataDir) && names.contains(fileName)) {
                runOnce();
            }
            return names;
        }

        @Override
        public org.cairndb.io.StorageFile open(Path path, boolean write, boolean create) throws java.io.IOException {
            if (!atList && path.toAbsolutePath().normalize().equals(dataDir.resolve(fileName))) {
                runOnce();
            }
            return super.open(path, write, create);
        }

        private void runOnce() {
            Runnable r = step.getAndSet(null);
            if (r != null) {
                r.run();
            }
        }
    }

    /**
     * A database removed by the running application while {@code archive -s} lists the data
     * directory is left out, and the listing succeeds. A script copying the list can still meet a
     * file removed after it (docs/cli.md says what to do), but the listing itself never fails.
     */
    @Test
    void aDatabaseRemovedWhileTheDataFilesAreListedIsLeftOut() throws Exception {
        try (Environment env = fiveSegmentsCheckpointedInTheFourth()) {
            env.openDatabase("gone").put(null, b("k"), b("v"));
            RemovingWhileListed fio = new RemovingWhileListed(home.resolve("data"), "gone.cdb", true,
                    () -> env.removeDatabase("gone"));
            Homes.fileIOForTests = fio;
            CliRun.Result r;
            try {
                r = CliRun.run("archive", "-h", home.toString(), "-s");
            } finally {
                Homes.fileIOForTests = null;
            }
            assertTrue(fio.ran(), "the listing read the data directory through the file layer");
            assertEquals(List.of("data/db.cdb"), lines(r));
        }
    }

    /**
     * Beside a running application the list of segments no longer needed is worked out from the
     * data files' headers; a database removed between the listing of data/ and the open of its
     * file failed the command ('NoSuchFileException'). The file is skipped: the other files say
     * where recovery starts.
     */
    @Test
    void besideARunningApplicationADatabaseRemovedWhileListedIsSkipped() throws Exception {
        try (Environment env = fiveSegmentsCheckpointedInTheFourth()) {
            env.openDatabase("gone").put(null, b("k"), b("v"));
            RemovingWhileListed fio = new RemovingWhileListed(home.resolve("data"), "gone.cdb", false,
                    () -> env.removeDatabase("gone"));
            List<String> all = segmentNames();
            Homes.fileIOForTests = fio;
            CliRun.Result r;
            try {
                r = CliRun.run("archive", "-h", home.toString(), "-v");
            } finally {
                Homes.fileIOForTests = null;
            }
            assertTrue(fio.ran(), "the listing opened gone.cdb after the application removed it");
            assertEquals(0, r.exit(), r::toString);
            assertTrue(r.err().contains("in use by"), r::toString);
            assertEquals(all.subList(0, 3), lines(r).subList(0, 3), r::toString);
            assertTrue(lines(r).get(3).startsWith("kept log/log.0000000004: recovery needs it: data/db.cdb was"), r::toString);
        }
    }

    /**
     * A data file whose creation a power loss tore (its first header slot blank, as a new file's
     * is, its one header write torn) is a creation recovery redoes from the log; the listing beside
     * the running application, worked out from the data files, failed on it as damage.
     */
    @Test
    void besideARunningApplicationATornCreationIsNoDamage() throws Exception {
        try (Environment env = fiveSegmentsCheckpointedInTheFourth()) {
            java.nio.file.Path torn = home.resolve("data").resolve("torn" + org.cairndb.storage.DataFile.SUFFIX);
            byte[] bytes = new byte[2 * 8192];
            java.util.Arrays.fill(bytes, 8192, 8192 + 100, (byte) 0x5A); // half a header, no valid copy
            java.nio.file.Files.write(torn, bytes);
            CliRun.Result unneeded = CliRun.run("archive", "-h", home.toString(), "-v");
            assertEquals(0, unneeded.exit(), unneeded::toString);
            assertTrue(lines(unneeded).get(3).startsWith("kept log/log.0000000004: recovery needs it: data/db.cdb"),
                    unneeded::toString);
        }
    }

    @Test
    void continuousArchivingKeepsSegmentsUntilCopiedAndVerboseShowsItsState() throws Exception {
        Path archive = dir.resolve("archive-disk");
        fourSegmentsThreeArchived(archive);
        List<String> out = lines(CliRun.run("archive", "-h", home.toString(), "-v"));
        assertTrue(out.contains("log/log.0000000001"), out::toString);
        assertTrue(out.get(out.size() - 1).startsWith("continuous archiving to " + archive.toAbsolutePath()
                + ": segments up to "), out::toString);
        for (String name : List.of("log.0000000001", "log.0000000002", "log.0000000003")) {
            assertTrue(Files.isRegularFile(archive.resolve(name)), name + " archived");
        }
    }

    /**
     * Archiving just turned on (cairn.properties edited as the walkthrough does), nothing archived
     * yet: -v said "segments up to 0 archived", a segment no log has.
     */
    @Test
    void verboseSaysNothingIsArchivedYetRatherThanUpToZero() throws Exception {
        fiveSegmentsCheckpointedInTheFourth().close();
        Path archive = dir.resolve("archive-disk");
        Files.writeString(home.resolve("cairn.properties"), "cairn.archive.enabled=true\ncairn.archive.dir="
                + archive.toString().replace('\\', '/') + "\n");
        List<String> out = lines(CliRun.run("archive", "-h", home.toString(), "-v"));
        assertEquals("continuous archiving to " + archive.toAbsolutePath() + ": no segment archived yet, 4 waiting,"
                + " 0 failures", out.get(out.size() - 1), out::toString);
    }

    /**
     * Once the archived segments have been removed from the log (cairn archive -d, automatic
     * removal), a new process has none left to archive itself; -v must still say how far the
     * archive goes, not "up to 0".
     */
    @Test
    void verboseNamesTheArchivedSegmentsThatAlreadyLeftTheLog() throws Exception {
        Path archive = dir.resolve("archive-disk");
        fourSegmentsThreeArchived(archive);
        CliRun.Result removed = CliRun.run("archive", "-h", home.toString(), "-d");
        assertEquals(0, removed.exit(), removed::toString);
        assertTrue(removed.out().contains("removed log/log.0000000003"), removed::toString);
        List<String> out = lines(CliRun.run("archive", "-h", home.toString(), "-v"));
        assertEquals("continuous archiving to " + archive.toAbsolutePath() + ": segments up to 3 archived, 0 waiting,"
                + " 0 failures", out.get(out.size() - 1), out::toString);
    }

    /**
     * cairn.log.autoremove=true as the walkthrough sets it, with continuous archiving: a command that
     * writes a few segments and closes (bench, load) leaves only the segment being written, the
     * others being in the archive. Removal used to follow background checkpoints only, which a short
     * process never reaches (64 MB of log or 5 minutes), so nothing was ever removed.
     */
    @Test
    void automaticRemovalTakesTheArchivedSegmentsWhenACommandCloses() throws Exception {
        Path archive = dir.resolve("archive-disk");
        home = dir.resolve("env");
        Files.createDirectories(home);
        Files.writeString(home.resolve("cairn.properties"), "cairn.log.segment.size=64k\ncairn.archive.enabled=true\n"
                + "cairn.archive.dir=" + archive.toString().replace('\\', '/') + "\ncairn.log.autoremove=true\n");
        CliRun.Result init = CliRun.run("bench", "-h", home.toString(), "--init", "--accounts", "100");
        assertEquals(0, init.exit(), init::toString);
        CliRun.Result run = CliRun.run("bench", "-h", home.toString(), "--transactions", "3000", "--durability", "NO_SYNC");
        assertEquals(0, run.exit(), run::toString);
        List<String> left = segmentNames();
        assertEquals(1, left.size(), () -> "the run left " + left + " in the log");
        long last = SegmentFiles.number(left.get(0).substring("log/".length()));
        assertTrue(last >= 4, "the run wrote a few segments: " + left);
        for (long n = 1; n < last; n++) {
            assertTrue(Files.isRegularFile(archive.resolve(SegmentFiles.name(n))), SegmentFiles.name(n) + " archived");
        }
        CliRun.Result check = CliRun.run("bench", "-h", home.toString(), "--check");
        assertEquals(0, check.exit(), check::toString);
    }

    /** An explicit checkpoint (cairn checkpoint, the API, the adapter's MBean) removes too, not only background ones. */
    @Test
    void automaticRemovalFollowsAnExplicitCheckpoint() throws Exception {
        Path archive = dir.resolve("archive-disk");
        try (Environment env = open("cairn.archive.enabled=true\ncairn.archive.dir=" + archive.toString().replace('\\', '/')
                + "\ncairn.log.autoremove=true\n")) {
            fillTo(env, 4);
            env.internals().archiver().archiveFinished();
            env.checkpoint(true);
            assertEquals(List.of("log/log.0000000004"), segmentNames());
        }
    }

    @Test
    void aHomeThatIsNoEnvironmentIsRefused() throws Exception {
        Path photos = dir.resolve("photos");
        Files.createDirectories(photos);
        CliRun.Result r = CliRun.run("archive", "-h", photos.toString(), "-l");
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertTrue(r.err().contains("is not a Cairn environment"), r::toString);
        assertFalse(Files.exists(photos.resolve("log")));
    }

    /** Four segments, a checkpoint in the last, continuous archiving to {@code archive} brought up to date, closed. */
    private void fourSegmentsThreeArchived(Path archive) throws Exception {
        try (Environment env = open("cairn.archive.enabled=true\ncairn.archive.dir=" + archive.toString().replace('\\', '/')
                + "\n")) {
            fillTo(env, 4);
            env.checkpoint(true);
            env.internals().archiver().archiveFinished();
        }
    }

    /**
     * A copy of the home (its cairn.properties naming the same absolute archive) is refused by the
     * archive while the original's home exists; {@code --take-over} run on the copy, beside the
     * application that has it open, hands the archive to it, and its archiving goes on.
     */
    @Test
    void takeOverHandsTheArchiveToACopyWhileItIsOpen() throws Exception {
        Path archive = dir.resolve("archive");
        try (Environment env = open("cairn.archive.enabled=true\ncairn.archive.dir=" + archive + "\n")) {
            fillTo(env, 3);
        } // closing archives the finished segments
        Path copy = dir.resolve("copy");
        org.cairndb.TestSupport.copyTree(home, copy);
        try (Environment dup = Environment.open(copy, config())) {
            fillTo(dup, 5);
            org.cairndb.archive.ContinuousArchiver archiver = dup.internals().archiver();
            org.cairndb.TestSupport.awaitTrue(() -> {
                archiver.wake();
                return dup.internals().archiveStatus().failures() > 0;
            }, "the copy's archiving to be refused");
            String refusal = dup.internals().archiveStatus().lastError();
            assertTrue(refusal.contains("cairn archive -h " + copy.toRealPath() + " --take-over"), refusal);

            CliRun.Result r = CliRun.run("archive", "-h", copy.toString(), "--take-over");
            assertEquals(0, r.exit(), r::toString);
            assertTrue(r.out().contains("writes here now, no longer that of " + home.toRealPath()), r::toString);
            org.cairndb.TestSupport.awaitTrue(() -> {
                archiver.wake();
                return archiver.lastArchived() >= 4 && dup.internals().archiveStatus().lastError() == null;
            }, "the copy to archive its segments");
            assertTrue(java.util.Arrays.equals(Files.readAllBytes(copy.resolve("log").resolve(SegmentFiles.name(4))),
                    Files.readAllBytes(archive.resolve(SegmentFiles.name(4)))), "the copy's segment 4 is archived");
        }
        CliRun.Result again = CliRun.run("archive", "-h", copy.toString(), "--take-over", archive.toString());
        assertTrue(again.out().contains("(it already did)"), again::toString);
    }

    /**
     * A look archives nothing, so -v on a copy whose archiving the archive refuses used to say
     * "0 failures" and nothing else, while every open of the copy for writing was refused there.
     * It now says so, with what to do; after the take-over, it says it of the original instead.
     */
    @Test
    void verboseOnACopySaysThatItsArchivingIsRefused() throws Exception {
        Path archive = dir.resolve("archive");
        try (Environment env = open("cairn.archive.enabled=true\ncairn.archive.dir=" + archive.toString().replace('\\', '/')
                + "\n")) {
            fillTo(env, 3);
        }
        Path copy = dir.resolve("copy");
        org.cairndb.TestSupport.copyTree(home, copy);
        List<String> out = lines(CliRun.run("archive", "-h", copy.toString(), "-v"));
        String status = out.get(out.size() - 1);
        assertTrue(status.startsWith("continuous archiving to " + archive.toAbsolutePath()) && status.contains(
                "; its archiving (when opened for writing) is refused there: " + archive.toAbsolutePath() + " is written"
                        + " by " + home.toRealPath() + ", which still holds this environment"), status);
        assertTrue(status.endsWith("run: cairn archive -h " + copy.toRealPath() + " --take-over"), status);
        List<String> original = lines(CliRun.run("archive", "-h", home.toString(), "-v"));
        assertFalse(original.get(original.size() - 1).contains("refused"), original::toString);

        assertEquals(0, CliRun.run("archive", "-h", copy.toString(), "--take-over").exit());
        List<String> after = lines(CliRun.run("archive", "-h", copy.toString(), "-v"));
        assertFalse(after.get(after.size() - 1).contains("refused"), after::toString);
        List<String> originalAfter = lines(CliRun.run("archive", "-h", home.toString(), "-v"));
        assertTrue(originalAfter.get(originalAfter.size() - 1).contains("is refused there"), originalAfter::toString);
    }

    @Test
    void takeOverNeedsAnArchiveDirectoryAndStandsAlone() throws Exception {
        open("").close();
        CliRun.Result off = CliRun.run("archive", "-h", home.toString(), "--take-over");
        assertEquals(ExitCodes.USAGE, off.exit(), off::toString);
        assertTrue(off.err().contains("cairn.archive.enabled") && off.err().contains("--take-over DIR"), off::toString);
        CliRun.Result mixed = CliRun.run("archive", "-h", home.toString(), "-d", "--take-over", dir.resolve("a").toString());
        assertEquals(ExitCodes.USAGE, mixed.exit(), mixed::toString);
        assertFalse(Files.exists(dir.resolve("a")), "nothing was written");
    }

    /**
     * A mistyped DIR was created, claimed and reported as "no home had claimed it yet", with exit
     * status 0: the admin believed the archive handed over, and the real one still refused the copy.
     */
    @Test
    void takeOverOfADirectoryThatDoesNotExistIsRefused() throws Exception {
        open("").close();
        Path typo = dir.resolve("archvie");
        CliRun.Result r = CliRun.run("archive", "-h", home.toString(), "--take-over", typo.toString());
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        assertTrue(r.err().contains("archive directory " + typo + " does not exist"), r::toString);
        assertFalse(Files.exists(typo), "nothing was created");
    }
}
