package org.cairndb.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Round trips through Berkeley DB's own db5.3_load and db5.3_dump. Skipped where they are not
 * installed (Debian: apt-get install db5.3-util); the committed fixtures cover the format anyway.
 */
class BerkeleyDbInteropTest {

    @TempDir
    Path dir;

    private static boolean installed(String tool) {
        for (String p : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(p, tool))) {
                return true;
            }
        }
        return false;
    }

    private static void run(Path workDir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed: " + output);
        }
    }

    @Test
    void cairnDumpLoadsIntoBerkeleyDbAndBack() throws Exception {
        assumeTrue(installed("db5.3_load") && installed("db5.3_dump"), "db5.3-util is not installed");
        Path cairn = dir.resolve("cairn");
        TestEnvironments.create(cairn, "db", 50);
        for (String flag : List.of("", "-p")) {
            Path dump = dir.resolve("cairn" + flag + ".dump");
            CliRun.Result d = flag.isEmpty() ? CliRun.run("dump", "-h", cairn.toString(), "-f", dump.toString(), "db")
                    : CliRun.run("dump", "-h", cairn.toString(), "-p", "-f", dump.toString(), "db");
            assertEquals(0, d.exit(), d::toString);
            Path bdbFile = dir.resolve("bdb" + flag + ".db");
            run(dir, "db5.3_load", "-f", dump.toString(), bdbFile.toString());
            Path back = dir.resolve("back" + flag + ".dump");
            run(dir, "sh", "-c", "db5.3_dump " + (flag.isEmpty() ? "" : "-p ") + bdbFile + " > " + back);
            // Berkeley DB adds its page size to the header; the records are identical.
            assertEquals(Files.readString(dump), Files.readString(back).replace("db_pagesize=4096\n", ""));
            Path fresh = Files.createDirectories(dir.resolve("fresh" + flag));
            CliRun.Result l = CliRun.run("load", "-h", fresh.toString(), "-f", back.toString(), "db");
            assertEquals(0, l.exit(), l::toString);
            CliRun.Result again = flag.isEmpty() ? CliRun.run("dump", "-h", fresh.toString(), "db")
                    : CliRun.run("dump", "-h", fresh.toString(), "-p", "db");
            assertEquals(Files.readString(dump), again.out());
        }
    }
}
