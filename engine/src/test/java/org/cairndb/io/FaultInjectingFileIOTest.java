package org.cairndb.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.cairndb.io.FaultInjectingFileIO.CrashOptions;
import org.cairndb.io.FaultInjectingFileIO.CrashReport;
import org.cairndb.io.FaultInjectingFileIO.Tear;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fault-injecting file layer itself: what survives a simulated power loss, and the injected failures. */
class FaultInjectingFileIOTest {

    @TempDir
    Path tmp;

    Path dir;
    FaultInjectingFileIO io;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createDirectories(tmp.resolve("d"));
        io = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("scratch"), 42);
    }

    static byte[] fill(int len, int value) {
        byte[] b = new byte[len];
        Arrays.fill(b, (byte) value);
        return b;
    }

    static void write(StorageFile f, long pos, byte[] data) throws IOException {
        f.write(ByteBuffer.wrap(data), pos);
    }

    /** A file created, filled, forced and made durable in its directory. */
    Path durableFile(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        try (StorageFile f = io.open(p, true, true)) {
            write(f, 0, content);
            f.force(true);
        }
        io.syncDirectory(dir);
        return p;
    }

    @Test
    void forcedWritesSurviveAndUnforcedOnesAreLost() throws IOException {
        Path p = durableFile("a", fill(4096, 1));
        try (StorageFile f = io.open(p, true, false)) {
            write(f, 0, fill(100, 2));
            f.force(false);
            write(f, 100, fill(100, 3));
            assertEquals(1, io.unforcedWrites(p));
            // The engine reads back what it wrote (the page cache).
            ByteBuffer b = ByteBuffer.allocate(1);
            f.read(b, 150);
            assertEquals(3, b.get(0));
            CrashReport r = io.crash();
            assertEquals(1, r.writesLost());
            assertNull(r.torn());
        }
        byte[] after = Files.readAllBytes(p);
        assertEquals(4096, after.length);
        assertArrayEquals(fill(100, 2), Arrays.copyOfRange(after, 0, 100));
        assertArrayEquals(fill(3996, 1), Arrays.copyOfRange(after, 100, 4096));
    }

    @Test
    void fileSizesGoBackToTheLastForce() throws IOException {
        Path p = durableFile("a", fill(1000, 1));
        try (StorageFile f = io.open(p, true, false)) {
            write(f, 1000, fill(5000, 2)); // grows
            f.truncate(10);
            write(f, 20, fill(10, 3));
        }
        Path q = durableFile("b", fill(1000, 1));
        try (StorageFile f = io.open(q, true, false)) {
            f.truncate(100); // shrinks
        }
        io.crash();
        assertArrayEquals(fill(1000, 1), Files.readAllBytes(p));
        assertArrayEquals(fill(1000, 1), Files.readAllBytes(q));
    }

    @Test
    void aForceFromAnyHandleCoversEveryEarlierWriteToTheFile() throws IOException {
        Path p = durableFile("a", fill(10, 0));
        try (StorageFile w = io.open(p, true, false); StorageFile other = io.open(p, true, false)) {
            write(w, 0, fill(10, 7));
            other.force(false);
        }
        io.crash();
        assertArrayEquals(fill(10, 7), Files.readAllBytes(p));
    }

    @Test
    void newFilesNeedADirectorySyncToSurvive() throws IOException {
        Path kept = dir.resolve("kept");
        Path lost = dir.resolve("lost");
        try (StorageFile f = io.open(kept, true, true)) {
            write(f, 0, fill(10, 1));
            f.force(true);
        }
        io.syncDirectory(dir);
        try (StorageFile f = io.open(lost, true, true)) {
            write(f, 0, fill(10, 1));
            f.force(true); // the contents are durable, the name is not
        }
        CrashReport r = io.crash();
        assertTrue(Files.exists(kept));
        assertFalse(Files.exists(lost), r.toString());
        assertTrue(r.namespaceChanges().contains("lost lost"), r.toString());
    }

    @Test
    void renamesAndDeletesAreUndoneWithoutADirectorySync() throws IOException {
        Path a = durableFile("a", fill(10, 1));
        Path b = durableFile("b", fill(20, 2));
        Path c = durableFile("c", fill(30, 3));
        Path d = durableFile("d", fill(5, 4));
        io.rename(a, dir.resolve("a2"));
        io.rename(b, c); // replaces c
        io.delete(d);
        assertEquals(List.of("a2", "c"), io.list(dir));
        io.crash();
        assertEquals(List.of("a", "b", "c", "d"), NioFileIO.INSTANCE.list(dir));
        assertArrayEquals(fill(10, 1), Files.readAllBytes(a));
        assertArrayEquals(fill(20, 2), Files.readAllBytes(b));
        assertArrayEquals(fill(30, 3), Files.readAllBytes(c));
        assertArrayEquals(fill(5, 4), Files.readAllBytes(dir.resolve("d")));
    }

    @Test
    void unsyncedDirectoryChangesMayAllSurviveWithTheFilesLastForcedContents() throws IOException {
        Path a = durableFile("a", fill(10, 1));
        Path fresh = dir.resolve("fresh");
        try (StorageFile f = io.open(fresh, true, true)) {
            write(f, 0, fill(10, 2)); // never forced
        }
        io.rename(a, dir.resolve("a2"));
        CrashReport r = io.crash(CrashOptions.lossOnly().keepDirectoryChanges(1.0));
        assertEquals(List.of("a2", "fresh"), NioFileIO.INSTANCE.list(dir), r.toString());
        assertArrayEquals(fill(10, 1), Files.readAllBytes(dir.resolve("a2")));
        assertEquals(0, Files.size(fresh), "a new file never forced is empty");
    }

    @Test
    void aDeletedFileComesBackWithItsLastForcedContents() throws IOException {
        Path a = durableFile("a", fill(10, 1));
        try (StorageFile f = io.open(a, true, false)) {
            write(f, 0, fill(10, 9)); // never forced
        }
        io.delete(a);
        assertFalse(Files.exists(a));
        io.crash();
        assertArrayEquals(fill(10, 1), Files.readAllBytes(a));
    }

    @Test
    void syncedRenamesAndDeletesStick() throws IOException {
        Path a = durableFile("a", fill(10, 1));
        Path b = durableFile("b", fill(10, 2));
        io.rename(a, dir.resolve("a2"));
        io.delete(b);
        io.syncDirectory(dir);
        io.crash();
        assertEquals(List.of("a2"), NioFileIO.INSTANCE.list(dir));
        assertEquals(List.of(), NioFileIO.INSTANCE.list(tmp.resolve("scratch")), "scratch left clean");
    }

    @Test
    void aTornPrefixWriteLeavesAStrictPrefix() throws IOException {
        Path p = durableFile("a", fill(8192, 0));
        byte[] data = fill(8192, 5);
        try (StorageFile f = io.open(p, true, false)) {
            write(f, 0, data);
        }
        CrashReport r = io.crash(CrashOptions.tear(Tear.PREFIX, x -> true));
        assertNotNull(r.torn(), r.toString());
        long k = r.torn().bytesPersisted();
        assertTrue(k < 8192);
        byte[] after = Files.readAllBytes(p);
        for (int i = 0; i < 8192; i++) {
            assertEquals(i < k ? 5 : 0, after[i], "byte " + i + " after " + r);
        }
    }

    @Test
    void aTornSectorWriteLeavesSomeAlignedSectors() throws IOException {
        Path p = durableFile("a", fill(16384, 0));
        try (StorageFile f = io.open(p, true, false)) {
            write(f, 4096 + 100, fill(8192, 5)); // not sector aligned: partial first and last sectors
        }
        CrashReport r = io.crash(CrashOptions.tear(Tear.SECTORS, x -> true));
        assertNotNull(r.torn());
        long persisted = r.torn().bytesPersisted();
        assertTrue(persisted > 0 && persisted < 8192, r.toString());
        byte[] after = Files.readAllBytes(p);
        int fives = 0;
        for (int i = 0; i < after.length; i++) {
            if (after[i] == 5) {
                fives++;
                assertTrue(i >= 4196 && i < 4196 + 8192);
            }
        }
        assertEquals(persisted, fives);
        for (long[] range : r.torn().persisted()) {
            assertTrue(range[0] == 4196 || range[0] % FaultInjectingFileIO.SECTOR == 0, r.toString());
            assertTrue(range[1] == 4196 + 8192 || range[1] % FaultInjectingFileIO.SECTOR == 0, r.toString());
        }
    }

    @Test
    void theSameSeedTearsTheSameWay() throws IOException {
        String first = tornOutcome(7, "x");
        String second = tornOutcome(7, "y");
        assertEquals(first, second);
    }

    private String tornOutcome(long seed, String sub) throws IOException {
        Path d = Files.createDirectories(tmp.resolve(sub));
        FaultInjectingFileIO f = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve(sub + "-scratch"), seed);
        Path p = d.resolve("f");
        try (StorageFile s = f.open(p, true, true)) {
            write(s, 0, fill(100_000, 0));
            s.force(true);
            for (int i = 0; i < 10; i++) {
                write(s, i * 10_000 + 17, fill(5000, i + 1));
            }
        }
        f.syncDirectory(d);
        CrashReport r = f.crash(CrashOptions.tear(Tear.ANY, x -> true).keepProbability(0.5));
        return r.toString().replace(sub + "/", "") + Arrays.hashCode(Files.readAllBytes(p));
    }

    @Test
    void someUnforcedWritesMaySurviveWhole() throws IOException {
        Path p = durableFile("a", fill(10 * 100, 0));
        try (StorageFile f = io.open(p, true, false)) {
            for (int i = 0; i < 10; i++) {
                write(f, i * 100, fill(100, i + 1));
            }
        }
        CrashReport r = io.crash(CrashOptions.lossOnly().keepProbability(0.5));
        assertEquals(10, r.writesKept() + r.writesLost());
        byte[] after = Files.readAllBytes(p);
        int kept = 0;
        for (int i = 0; i < 10; i++) {
            byte[] chunk = Arrays.copyOfRange(after, i * 100, i * 100 + 100);
            if (Arrays.equals(chunk, fill(100, i + 1))) {
                kept++;
            } else {
                assertArrayEquals(fill(100, 0), chunk);
            }
        }
        assertEquals(r.writesKept(), kept);
    }

    @Test
    void afterTheCrashNothingWorksAnyMore() throws IOException {
        Path p = durableFile("a", fill(10, 1));
        StorageFile f = io.open(p, true, false);
        io.crash();
        IOException e = assertThrows(IOException.class, () -> write(f, 0, fill(1, 1)));
        assertTrue(e.getMessage().contains("simulated power loss"), e.getMessage());
        assertThrows(IOException.class, () -> f.read(ByteBuffer.allocate(1), 0));
        assertThrows(IOException.class, () -> f.force(true));
        assertThrows(IOException.class, () -> io.open(p, false, false));
        assertThrows(IOException.class, () -> io.list(dir));
        f.close(); // closing is still allowed
        assertArrayEquals(fill(10, 1), Files.readAllBytes(p));
    }

    @Test
    void aFullDiskWritesWhatFitsThenFails() throws IOException {
        Path p = durableFile("a", fill(100, 1));
        io.spaceLimit(50);
        try (StorageFile f = io.open(p, true, false)) {
            write(f, 0, fill(100, 2)); // overwriting allocated space needs none
            IOException e = assertThrows(IOException.class, () -> write(f, 100, fill(80, 3)));
            assertTrue(FaultInjectingFileIO.isNoSpace(e), e.getMessage());
            assertEquals(150, f.size(), "the part that fitted was written");
            assertThrows(IOException.class, () -> write(f, 150, fill(1, 3)));
            io.unlimitedSpace();
            write(f, 150, fill(1, 3));
        }
        io.writeLimit(10);
        try (StorageFile f = io.open(p, true, false)) {
            IOException e = assertThrows(IOException.class, () -> write(f, 0, fill(20, 4)));
            assertTrue(e.getMessage().startsWith("No space left on device"), e.getMessage());
        }
    }

    @Test
    void theNthForceFails() throws IOException {
        Path p = durableFile("a", fill(10, 1));
        Path other = durableFile("b", fill(10, 1));
        io.failForce(2, x -> x.getFileName().toString().equals("a"), false);
        try (StorageFile f = io.open(p, true, false); StorageFile g = io.open(other, true, false)) {
            write(f, 0, fill(10, 2));
            f.force(false); // first: fine
            g.force(false); // does not match the filter
            write(f, 0, fill(10, 3));
            IOException e = assertThrows(IOException.class, () -> f.force(false));
            assertTrue(e.getMessage().contains("force of"), e.getMessage());
            assertEquals(1, io.unforcedWrites(p), "a failed force makes nothing durable");
            f.force(false); // not sticky
            assertEquals(0, io.unforcedWrites(p));
        }
    }

    @Test
    void theNthWriteFailsAndStickyFaultsStay() throws IOException {
        Path p = durableFile("a", fill(10, 1));
        io.failWrite(2, x -> true, true);
        try (StorageFile f = io.open(p, true, false)) {
            write(f, 0, fill(1, 2));
            assertThrows(IOException.class, () -> write(f, 0, fill(1, 2)));
            assertThrows(IOException.class, () -> write(f, 0, fill(1, 2)));
            io.clearFaults();
            write(f, 0, fill(1, 2));
        }
    }

    @Test
    void aCrashTriggeredByAWriteCanTearThatWrite() throws IOException {
        Path p = durableFile("a", fill(4096, 0));
        io.crashOnWrite(2, x -> true, CrashOptions.tear(Tear.PREFIX, x -> true));
        try (StorageFile f = io.open(p, true, false)) {
            write(f, 0, fill(1000, 1));
            IOException e = assertThrows(IOException.class, () -> write(f, 2000, fill(1000, 2)));
            assertTrue(e.getMessage().contains("power loss"));
        }
        assertTrue(io.isCrashed());
        CrashReport r = io.crashReport();
        assertNotNull(r.torn(), r.toString());
        assertEquals(2000, r.torn().position());
        byte[] after = Files.readAllBytes(p);
        assertArrayEquals(fill(1000, 0), Arrays.copyOfRange(after, 0, 1000), "the earlier unforced write is lost");
    }

    @Test
    void aCrashInsteadOfAForceLosesWhatItWouldHaveForced() throws IOException {
        Path p = durableFile("a", fill(10, 0));
        io.crashOnForce(1, x -> true);
        try (StorageFile f = io.open(p, true, false)) {
            write(f, 0, fill(10, 1));
            assertThrows(IOException.class, () -> f.force(false));
        }
        assertArrayEquals(fill(10, 0), Files.readAllBytes(p));
    }

    @Test
    void aCrashAfterNOperations() throws IOException {
        Path p = durableFile("a", fill(10, 0));
        io.crashAfterOperations(3, CrashOptions.lossOnly());
        try (StorageFile f = io.open(p, true, false)) {
            write(f, 0, fill(5, 1));
            f.force(false);
            assertThrows(IOException.class, () -> write(f, 5, fill(5, 2)));
        }
        assertArrayEquals(new byte[] {1, 1, 1, 1, 1, 0, 0, 0, 0, 0}, Files.readAllBytes(p));
    }
}
