package org.cairndb.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.cairndb.DirectorySnapshot;
import org.cairndb.TestSupport;
import org.cairndb.io.ReadOnlyFileIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The commands that only look work on read-only media (a backup on a read-only mount, a tree
 * without write permission) and say there what they say on a writable copy: they create, change
 * and delete nothing, they do not even try.
 */
class LookOnlyCommandsOnReadOnlyMediaTest {

    @TempDir
    Path dir;

    /**
     * Through a file layer that refuses every write as a read-only mount does. It runs everywhere,
     * also as root, for whom permissions stop no write.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"as a crash left it", "a copy without its lock file"})
    void looksWorkThroughAFileLayerThatRefusesEveryWrite(String which) throws Exception {
        Path home = LookOnlyFixtures.crashedBenchEnvironment(dir.resolve("env"));
        if (which.startsWith("a copy")) {
            Path copy = dir.resolve("copy");
            TestSupport.copyTree(home, copy);
            home = copy;
        }
        List<String[]> looks = LookOnlyFixtures.looks(home, dir.resolve("accounts.dump"));
        List<String> writable = outputs(looks);
        Map<String, String> before = DirectorySnapshot.of(home);
        ReadOnlyFileIO readOnly = new ReadOnlyFileIO();
        Homes.fileIOForTests = readOnly;
        List<String> onReadOnly;
        try {
            onReadOnly = outputs(looks);
        } finally {
            Homes.fileIOForTests = null;
        }
        assertEquals(writable, onReadOnly);
        assertEquals(List.of(), readOnly.refused(), "the looks tried to write");
        assertEquals(before, DirectorySnapshot.of(home));
    }

    /** On a tree whose files and directories nobody may write (skipped where permissions stop no write: as root). */
    @Test
    void looksWorkOnATreeWithoutWritePermission() throws Exception {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "no POSIX permissions");
        Path home = LookOnlyFixtures.crashedBenchEnvironment(dir.resolve("env"));
        List<String[]> looks = LookOnlyFixtures.looks(home, dir.resolve("accounts.dump"));
        List<String> writable = outputs(looks);
        Map<String, String> before = DirectorySnapshot.of(home);
        setWritable(home, false);
        try {
            assumeFalse(canCreateFileIn(home), "permissions do not stop writes here (running as root?)");
            assertEquals(writable, outputs(looks));
            assertEquals(before, DirectorySnapshot.of(home));
        } finally {
            setWritable(home, true);
        }
    }

    /** Each look's exit status and output (durations taken out); every look must succeed. */
    private static List<String> outputs(List<String[]> looks) {
        List<String> out = new ArrayList<>();
        for (String[] look : looks) {
            CliRun.Result r = CliRun.run(look);
            assertEquals(0, r.exit(), () -> String.join(" ", look) + ": " + r);
            out.add(String.join(" ", look) + "\n" + LookOnlyFixtures.stable(r.out()) + "--- err:\n" + r.err());
        }
        return out;
    }

    private static void setWritable(Path root, boolean writable) throws IOException {
        List<Path> all;
        try (Stream<Path> s = Files.walk(root)) {
            all = s.toList();
        }
        for (Path p : all) {
            boolean d = Files.isDirectory(p);
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(
                    writable ? (d ? "rwxr-xr-x" : "rw-r--r--") : (d ? "r-xr-xr-x" : "r--r--r--")));
        }
    }

    private static boolean canCreateFileIn(Path dir) {
        try {
            Files.delete(Files.createFile(dir.resolve("write-probe")));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
