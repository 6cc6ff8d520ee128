package org.cairndb.cli;

import static org.cairndb.cli.HotbackupCommandTest.add;
import static org.cairndb.cli.HotbackupCommandTest.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cairndb.Environment;
import org.cairndb.io.ForwardingFileIO;
import org.cairndb.io.NioFileIO;
import org.cairndb.io.StorageFile;
import org.cairndb.log.SegmentFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cairn failover} of an environment with continuous archiving: every segment the environment
 * no longer needs (archived, and before the recovery start) leaves it for the copy, as
 * {@code cairn archive} lists them, whether or not the archiver's background pass after the open
 * has compared them with the archive yet.
 */
class FailoverArchivedSegmentsCommandTest {

    @TempDir
    Path dir;

    /**
     * Holds the archiver's background pass back: its reads of the archive fail (as if it had not got
     * to them), so that only what the update itself settles counts.
     */
    private static final class BackgroundPassHeldBack extends ForwardingFileIO {
        private final Path archive;

        BackgroundPassHeldBack(Path archive) {
            super(NioFileIO.INSTANCE);
            this.archive = archive;
        }

        @Override
        public StorageFile open(Path path, boolean write, boolean create) throws IOException {
            if (Thread.currentThread().getName().startsWith("cairn-archiver") && path.startsWith(archive)) {
                throw new IOException("held back by the test: " + path);
            }
            return super.open(path, write, create);
        }
    }

    @Test
    void anUpdateMovesEveryArchivedSegmentTheEnvironmentNoLongerNeeds() throws Exception {
        Path home = dir.resolve("env");
        Path archive = dir.resolve("archive");
        Files.createDirectories(home);
        Files.writeString(home.resolve("cairn.properties"), "cairn.log.segment.size=64k\ncairn.archive.enabled=true\n"
                + "cairn.archive.dir=" + archive + "\n");
        Environment.open(home).close();
        add(home, 0, 200);
        Path copy = dir.resolve("failover");
        ok(CliRun.run("failover", "-h", home.toString(), "-b", copy.toString()));
        add(home, 1000, 300); // about 300 KB: several segments, archived as the environment closes
        List<Long> before = SegmentFiles.list(NioFileIO.INSTANCE, home.resolve("log"));
        assertTrue(before.size() > 3, before::toString);

        HotbackupCommand.fileIOForTests = new BackgroundPassHeldBack(archive);
        CliRun.Result r;
        try {
            r = CliRun.run("failover", "-h", home.toString(), "-b", copy.toString());
        } finally {
            HotbackupCommand.fileIOForTests = null;
        }
        ok(r);
        CliRun.Result unneeded = CliRun.run("archive", "-h", home.toString());
        ok(unneeded);
        assertEquals("", unneeded.out(), () -> "segments the environment no longer needs stayed in it:\n" + unneeded
                + "\nafter the update:\n" + r);
        assertTrue(r.out().contains("; moved "), r::toString);
        ok(CliRun.run("verifybackup", copy.toString()));
        assertEquals(500, HotbackupCommandTest.count(copy));
    }
}
