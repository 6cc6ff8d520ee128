package org.cairndb.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reads real db5.3_dump output (see src/test/resources/dump/README.md) and writes what db5.3_dump writes. */
class BerkeleyDbFixturesTest {

    static InputStream resource(String name) {
        InputStream in = BerkeleyDbFixturesTest.class.getResourceAsStream("/dump/" + name);
        if (in == null) {
            throw new IllegalStateException("missing test resource /dump/" + name);
        }
        return in;
    }

    static String text(String name) throws IOException {
        try (InputStream in = resource(name)) {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    /** Records as "hexkey hexvalue" lines, in the order read. */
    static List<String> records(String name) throws IOException {
        List<String> lines = new ArrayList<>();
        try (DumpReader r = new DumpReader(resource(name), 4096, 16 << 20)) {
            while (r.next()) {
                lines.add(HexFormat.of().formatHex(r.key()) + " " + HexFormat.of().formatHex(r.value()));
            }
        }
        return lines;
    }

    static List<String> expected() throws IOException {
        return text("bdb-btree-expected.txt").lines().toList();
    }

    @Test
    void readsDbDumpBytevalueOutput() throws IOException {
        assertEquals(expected(), records("bdb-btree-bytevalue.dump"));
    }

    @Test
    void readsDbDumpPrintOutput() throws IOException {
        assertEquals(expected(), records("bdb-btree-print.dump"));
    }

    @Test
    void writesWhatDbDumpWritesApartFromItsPageSizeLine() throws IOException {
        for (DumpFormat format : DumpFormat.values()) {
            String fixture = format == DumpFormat.PRINT ? "bdb-btree-print.dump" : "bdb-btree-bytevalue.dump";
            StringWriter sw = new StringWriter();
            DumpWriter w = new DumpWriter(sw, format);
            try (DumpReader r = new DumpReader(resource(fixture), 4096, 16 << 20)) {
                while (r.next()) {
                    w.writeRecord(r.key(), r.value());
                }
            }
            w.writeEnd();
            assertEquals(text(fixture).replace("db_pagesize=4096\n", ""), sw.toString(), format.toString());
        }
    }

    @Test
    void readsAHashSubdatabaseWithItsExtraHeaderLines() throws IOException {
        try (DumpReader r = new DumpReader(resource("bdb-hash-subdatabase.dump"), 4096, 16 << 20)) {
            DumpHeader h = r.readHeader();
            assertEquals("inventory", h.database());
            assertEquals("hash", h.type());
        }
        assertEquals(List.of("616c706861 31", "62657461 32", "67616d6d61 33"), records("bdb-hash-subdatabase.dump"));
    }

    @Test
    void refusesASecondDatabaseSection() {
        DumpFormatException e = assertThrows(DumpFormatException.class, () -> records("bdb-two-databases.dump"));
        assertEquals(15, e.line());
        assertTrue(e.getMessage().contains("one database per dump"), e.getMessage());
    }
}
