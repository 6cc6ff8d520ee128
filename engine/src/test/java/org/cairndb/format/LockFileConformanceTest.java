package org.cairndb.format;

import static org.cairndb.TestSupport.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.TestSupport;
import org.cairndb.Transaction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/file-format.md, "The home directory": what a home holds, and {@code cairn.lock}, which an
 * open writes its holder's line into, and an open only to inspect writes nothing into and creates
 * nowhere.
 */
class LockFileConformanceTest {

    @TempDir
    Path dir;

    @Test
    void aHomeHoldsTheDocumentedFilesAndAnInspectingOpenWritesNoLockFile() throws IOException {
        try (Environment env = TestSupport.open(dir)) {
            Database db = env.openDatabase("db", true);
            try (Transaction t = env.beginTransaction()) {
                db.put(t, b("k"), b("v"));
                t.commit();
            }
            DocumentedLockFile lock = DocumentedLockFile.read(dir.resolve("cairn.lock"));
            assertEquals(ProcessHandle.current().pid(), lock.pid());
            assertNull(lock.purpose());
        }
        assertEquals(List.of("cairn.lock", "data", "log"), list(dir));
        assertEquals(List.of("db.cdb"), list(dir.resolve("data")));
        for (String name : list(dir.resolve("log"))) {
            if (name.equals("log.next.tmp")) { // the next segment, prepared in advance: zeros
                byte[] next = Files.readAllBytes(dir.resolve("log").resolve(name));
                assertEquals(true, FormatReader.allZero(next, 0, next.length), "log/log.next.tmp is zero-filled");
            } else {
                assertEquals(true, name.matches("log\\.\\d{10}"), "log/" + name);
            }
        }

        byte[] before = Files.readAllBytes(dir.resolve("cairn.lock"));
        try (Environment env = Environment.open(dir, TestSupport.config().inspectOnly(true))) {
            env.databaseNames();
        }
        assertArrayEquals(before, Files.readAllBytes(dir.resolve("cairn.lock")), "an inspecting open writes nothing into it");

        Files.delete(dir.resolve("cairn.lock"));
        try (Environment env = Environment.open(dir, TestSupport.config().inspectOnly(true))) {
            env.databaseNames();
        }
        assertFalse(Files.exists(dir.resolve("cairn.lock")), "an inspecting open creates none where there is none");
    }

    @Test
    void aFailoverUpdateNamesItselfInTheCopysLockFileWhileCopying() throws IOException {
        Path home = dir.resolve("home");
        Path copy = dir.resolve("failover");
        java.util.Map<String, String> seen = new java.util.LinkedHashMap<>();
        try (Environment env = TestSupport.open(home)) {
            Database db = env.openDatabase("db", true);
            try (Transaction t = env.beginTransaction()) {
                db.put(t, b("k"), b("v"));
                t.commit();
            }
            org.cairndb.backup.Failover.update(env.internals(), copy, org.cairndb.backup.BackupOptions.defaults()
                    .withProgress(p -> {
                        try {
                            seen.put(p.phase(), Files.readString(copy.resolve("cairn.lock")));
                        } catch (IOException e) {
                            seen.put(p.phase(), e.toString());
                        }
                    }));
        }
        Path copying = dir.resolve("lock-while-copying");
        Files.writeString(copying, seen.get("log"));
        DocumentedLockFile lock = DocumentedLockFile.read(copying);
        assertEquals("failover update of " + copy.toAbsolutePath(), lock.purpose(), seen.toString());
        assertEquals(true, lock.copyingLine() != null, seen.toString());
        assertNull(DocumentedLockFile.read(copy.resolve("cairn.lock")).copyingLine(), "finished: no copying mark");
        DocumentedManifest m = DocumentedManifest.read(copy.resolve("backup.manifest"));
        assertEquals(true, m.recovered());
    }

    private static List<String> list(Path d) throws IOException {
        try (var s = Files.list(d)) {
            return List.copyOf(new TreeSet<>(s.map(p -> p.getFileName().toString()).toList()));
        }
    }
}
