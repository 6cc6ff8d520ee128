package org.cairndb.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.cairndb.io.CountingFileIO;
import org.cairndb.io.FaultInjectingFileIO;
import org.cairndb.io.NioFileIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A large copy is forced as it goes, so that the disk never has much of it left to write at once
 * (a 1 GiB file forced only at its end held up every commit of the environment for a second), and
 * a force that fails in the background stops the copy as a failed write would.
 */
class WriteBehindTest {

    @TempDir
    Path tmp;

    private Path source(long bytes) throws IOException {
        Path p = tmp.resolve("source");
        Random random = new Random(7);
        byte[] chunk = new byte[1 << 20];
        try (var out = Files.newOutputStream(p)) {
            for (long left = bytes; left > 0; left -= chunk.length) {
                random.nextBytes(chunk);
                out.write(chunk, 0, (int) Math.min(chunk.length, left));
            }
        }
        return p;
    }

    @Test
    void aLargeCopyIsForcedAsItGoesNotOnlyAtItsEnd() throws Exception {
        long size = 2 * WriteBehind.STEP + 12_345;
        Path from = source(size);
        Path to = tmp.resolve("copy");
        CountingFileIO io = CountingFileIO.ofNamesEndingWith(".copying");

        assertEquals(size, SegmentCopier.copyReplacing(io, from, to, null));

        assertEquals(-1, Files.mismatch(from, to));
        assertTrue(io.forces.get() >= 3, "forces of the copy: " + io.forces.get());
        // At most the step being written and the one being forced (plus one read's chunk) wait for the disk.
        assertTrue(io.mostUnforcedBytes.get() <= 2 * WriteBehind.STEP + (1 << 20),
                "bytes of the copy written and not yet forced, at most: " + io.mostUnforcedBytes.get());
    }

    @Test
    void aSmallCopyIsForcedOnceAtItsEnd() throws Exception {
        Path from = source(WriteBehind.STEP / 4);
        CountingFileIO io = CountingFileIO.ofNamesEndingWith(".copying");

        SegmentCopier.copyReplacing(io, from, tmp.resolve("copy"), null);

        assertEquals(1, io.forces.get());
    }

    @Test
    void aForceFailingBehindTheCopyStopsItAndLeavesNoPartOfIt() throws Exception {
        Path from = source(WriteBehind.STEP + 1);
        Path to = tmp.resolve("copy");
        Path copying = tmp.resolve("copy.copying");
        FaultInjectingFileIO io = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("scratch"), 1)
                .failForce(1, copying::equals, true); // the first is the one behind the copy

        IOException e = assertThrows(IOException.class, () -> SegmentCopier.copyReplacing(io, from, to, null));

        // The background force's own error, as a force in the copying thread would have thrown it.
        assertEquals("Input/output error (simulated: force of " + copying + " failed)", e.getMessage());
        assertFalse(Files.exists(to), "the copy's final name");
        assertFalse(Files.exists(copying), "the copy's temporary name");
        assertTrue(Files.exists(from));
    }
}
