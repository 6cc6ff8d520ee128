package org.cairndb.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sleepycat.je.DatabaseConfig;
import com.sleepycat.je.EnvironmentConfig;
import com.sleepycat.je.util.DbDump;
import com.sleepycat.je.util.DbLoad;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Round trips through Berkeley DB Java Edition's {@code DbLoad} and {@code DbDump}, which read and
 * write the same {@code db_dump} text format as the C library's utilities (those are exercised by
 * {@link BerkeleyDbInteropTest} where Debian's db5.3-util is installed; this test needs nothing
 * installed, so it runs everywhere). Keys and values hold every byte value, spaces, backslashes and
 * empty values, so that both encodings (bytevalue and {@code -p}'s printable) are tried on the
 * bytes that need escaping. None begins or ends with a space: JE's {@code DbLoad} trims each line,
 * so from a printable dump (where Berkeley DB's C {@code db_dump} and Cairn write a space as it is)
 * it would drop such a space; JE's own {@code DbDump} writes {@code \20} for it instead.
 */
class JeInteropTest {

    @TempDir
    Path dir;

    @Test
    void cairnDumpLoadsIntoJeAndJeDumpLoadsIntoCairn() throws Exception {
        Path cairn = dir.resolve("cairn");
        try (org.cairndb.Environment env = org.cairndb.Environment.open(cairn)) {
            org.cairndb.Database db = env.openDatabase("db");
            try (org.cairndb.Transaction txn = env.beginTransaction()) {
                for (int i = 0; i < 300; i++) {
                    db.put(txn, key(i), value(i));
                }
                txn.commit();
            }
        }
        for (boolean printable : new boolean[] {false, true}) {
            String flag = printable ? "-p" : "";
            Path dump = dir.resolve("cairn" + flag + ".dump");
            CliRun.Result d = printable ? CliRun.run("dump", "-h", cairn.toString(), "-p", "-f", dump.toString(), "db")
                    : CliRun.run("dump", "-h", cairn.toString(), "-f", dump.toString(), "db");
            assertEquals(0, d.exit(), d::toString);

            Path je = Files.createDirectories(dir.resolve("je" + flag));
            String back = loadIntoJeAndDumpAgain(je, dump, printable);
            assertTrue(back.contains("\nHEADER=END\n") && back.endsWith("DATA=END\n"), back);
            assertEquals(records(Files.readString(dump)), records(back), "the records JE dumped back (" + flag + ")");

            Path backFile = dir.resolve("je" + flag + ".dump");
            Files.writeString(backFile, back);
            Path fresh = Files.createDirectories(dir.resolve("fresh" + flag));
            CliRun.Result l = CliRun.run("load", "-h", fresh.toString(), "-f", backFile.toString(), "db");
            assertEquals(0, l.exit(), l::toString);
            CliRun.Result again = printable ? CliRun.run("dump", "-h", fresh.toString(), "-p", "db")
                    : CliRun.run("dump", "-h", fresh.toString(), "db");
            assertEquals(Files.readString(dump), again.out(), "Cairn's dump of what it loaded from JE's (" + flag + ")");
        }
    }

    /** Loads {@code dump} into database "db" of a new JE environment at {@code home} and dumps it again. */
    private static String loadIntoJeAndDumpAgain(Path home, Path dump, boolean printable) throws Exception {
        EnvironmentConfig config = new EnvironmentConfig().setAllowCreate(true).setTransactional(true);
        try (com.sleepycat.je.Environment env = new com.sleepycat.je.Environment(home.toFile(), config)) {
            DbLoad load = new DbLoad();
            load.setEnv(env);
            load.setDbName("db");
            try (BufferedReader in = Files.newBufferedReader(dump, StandardCharsets.ISO_8859_1)) {
                load.setInputReader(in);
                assertTrue(load.load(), "JE's DbLoad accepted " + dump);
            }
            try (com.sleepycat.je.Database db = env.openDatabase(null, "db", new DatabaseConfig().setTransactional(true))) {
                assertEquals(300, db.count(), "records in JE after the load");
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (PrintStream ps = new PrintStream(out, true, StandardCharsets.ISO_8859_1)) {
                new DbDump(env, "db", ps, printable).dump();
            }
            return out.toString(StandardCharsets.ISO_8859_1);
        }
    }

    /**
     * The records after HEADER=END, each line decoded to its bytes (as hex): each side may write its
     * own header lines (JE names the database), and in the printable format JE escapes a space as
     * {@code \20} where Berkeley DB's C utilities and Cairn write it as it is; both read either.
     */
    private static java.util.List<String> records(String dump) {
        java.util.List<String> records = new java.util.ArrayList<>();
        boolean printable = dump.contains("format=print\n");
        for (String line : dump.substring(dump.indexOf("HEADER=END\n") + "HEADER=END\n".length()).split("\n")) {
            if (!line.startsWith(" ")) {
                records.add(line);
            } else if (!printable) {
                records.add(line.substring(1));
            } else {
                StringBuilder hex = new StringBuilder();
                for (int i = 1; i < line.length(); i++) {
                    char c = line.charAt(i);
                    if (c == '\\' && line.charAt(i + 1) == '\\') {
                        hex.append(String.format("%02x", (int) '\\'));
                        i++;
                    } else if (c == '\\') {
                        hex.append(line, i + 1, i + 3);
                        i += 2;
                    } else {
                        hex.append(String.format("%02x", (int) c));
                    }
                }
                records.add(hex.toString());
            }
        }
        return records;
    }

    /** Distinct keys that between them hold every byte value, a space and a backslash. */
    private static byte[] key(int i) {
        return new byte[] {(byte) 'k', (byte) (i >> 8), (byte) i, (byte) ' ', (byte) '\\', (byte) (255 - i % 256), (byte) 'e'};
    }

    private static byte[] value(int i) {
        if (i % 50 == 0) {
            return new byte[0];
        }
        byte[] v = new byte[i % 40 + 3];
        v[0] = (byte) 'v';
        for (int j = 1; j < v.length - 1; j++) {
            v[j] = (byte) (i * 31 + j * 7);
        }
        v[v.length - 1] = (byte) 'e';
        return v;
    }
}
