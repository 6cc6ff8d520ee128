package org.cairndb.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class DumpCodecTest {

    private static final int MAX_KEY = 4096;
    private static final int MAX_VALUE = 16 << 20;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String write(DumpFormat format, byte[]... keysAndValues) throws IOException {
        StringWriter sw = new StringWriter();
        DumpWriter w = new DumpWriter(sw, format);
        for (int i = 0; i < keysAndValues.length; i += 2) {
            w.writeRecord(keysAndValues[i], keysAndValues[i + 1]);
        }
        w.writeEnd();
        return sw.toString();
    }

    private static DumpReader reader(String text) {
        return reader(text, MAX_VALUE);
    }

    private static DumpReader reader(String text, int maxValue) {
        return new DumpReader(new ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1)), MAX_KEY, maxValue);
    }

    /** All records of a dump, as key, value, key, value... */
    private static List<byte[]> readAll(String text) throws IOException {
        List<byte[]> all = new ArrayList<>();
        try (DumpReader r = reader(text)) {
            while (r.next()) {
                all.add(r.key());
                all.add(r.value());
            }
        }
        return all;
    }

    private static DumpFormatException failure(String text) {
        return assertThrows(DumpFormatException.class, () -> readAll(text));
    }

    @Test
    void bytevalueIsLowercaseHexExactlyAsDbDumpWritesIt() throws IOException {
        assertEquals("VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n 68656c6c6f\n 776f726c64\n 6b\n \nDATA=END\n",
                write(DumpFormat.BYTEVALUE, b("hello"), b("world"), b("k"), new byte[0]));
    }

    @Test
    void printEscapesBackslashAndUnprintableBytesAsDbDumpPDoes() throws IOException {
        // The same records db5.3_dump -p printed for the fixture print-escapes.txt.
        assertEquals("VERSION=3\nformat=print\ntype=btree\nHEADER=END\n a\\\\b\n x\\00y\\ff\n sp ace\n t\\09ab\\7f\nDATA=END\n",
                write(DumpFormat.PRINT, b("a\\b"), new byte[] {'x', 0, 'y', (byte) 0xff}, b("sp ace"), b("t\tab\u007f")));
    }

    @Test
    void emptyDatabaseIsHeaderAndDataEnd() throws IOException {
        String text = write(DumpFormat.PRINT);
        assertEquals("VERSION=3\nformat=print\ntype=btree\nHEADER=END\nDATA=END\n", text);
        assertTrue(readAll(text).isEmpty());
    }

    @ParameterizedTest
    @EnumSource(DumpFormat.class)
    void everyByteSurvivesARoundTrip(DumpFormat format) throws IOException {
        Random random = new Random(42);
        List<byte[]> records = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            byte[] key = new byte[1 + random.nextInt(i == 0 ? 4096 : 40)];
            random.nextBytes(key);
            byte[] value = new byte[i == 1 ? 100_000 : random.nextInt(60)];
            random.nextBytes(value);
            records.add(key);
            records.add(value);
        }
        List<byte[]> back = readAll(write(format, records.toArray(new byte[0][])));
        assertEquals(records.size(), back.size());
        for (int i = 0; i < records.size(); i++) {
            assertArrayEquals(records.get(i), back.get(i), "item " + i);
        }
    }

    @Test
    void headerExtrasOfRealDumpsAreAcceptedAndIgnored() throws IOException {
        String text = "VERSION=3\nformat=print\ntype=hash\ndatabase=sub1\nh_nelem=102\ndb_pagesize=4096\nduplicates=0\n"
                + "chksum=1\ndb_lorder=1234\nbt_minkey=2\nkeys=1\nHEADER=END\n k\n v\nDATA=END\n";
        try (DumpReader r = reader(text)) {
            DumpHeader h = r.readHeader();
            assertEquals(DumpFormat.PRINT, h.format());
            assertEquals("hash", h.type());
            assertEquals("sub1", h.database());
            assertEquals("102", h.fields().get("h_nelem"));
            assertTrue(r.next());
            assertArrayEquals(b("k"), r.key());
            assertFalse(r.next());
        }
    }

    @Test
    void windowsLineEndsAndTrailingBlankLinesAreAccepted() throws IOException {
        List<byte[]> all = readAll("VERSION=3\r\nformat=bytevalue\r\nHEADER=END\r\n 6b\r\n 76\r\nDATA=END\r\n\r\n");
        assertArrayEquals(b("k"), all.get(0));
        assertArrayEquals(b("v"), all.get(1));
    }

    @Test
    void uppercaseHexIsAccepted() throws IOException {
        assertArrayEquals(b("JK"), readAll("VERSION=3\nformat=bytevalue\nHEADER=END\n 4A4B\n 00\nDATA=END\n").get(0));
    }

    @Test
    void oddHexDigitsNameTheLine() {
        DumpFormatException e = failure("VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n 6b\n 767\nDATA=END\n");
        assertEquals(6, e.line());
        assertEquals("line 6: odd number of hex digits", e.getMessage());
    }

    @Test
    void nonHexCharacterNamesTheLine() {
        assertEquals(5, failure("VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n 6g\n 76\nDATA=END\n").line());
    }

    @Test
    void badEscapeInPrintFormatNamesTheLine() {
        DumpFormatException e = failure("VERSION=3\nformat=print\nHEADER=END\n ok\n v\n bad\\q\n v\nDATA=END\n");
        assertEquals(6, e.line());
        assertTrue(e.getMessage().contains("bad escape"), e.getMessage());
    }

    @Test
    void escapeCutByTheLineEndIsAnError() {
        assertEquals(4, failure("VERSION=3\nformat=print\nHEADER=END\n k\\4\n v\nDATA=END\n").line());
    }

    @Test
    void missingDataEndIsATruncatedDump() {
        DumpFormatException e = failure("VERSION=3\nformat=print\nHEADER=END\n k\n v\n");
        assertTrue(e.getMessage().contains("without DATA=END"), e.getMessage());
    }

    @Test
    void keyWithoutValueIsAnError() {
        DumpFormatException e = failure("VERSION=3\nformat=print\nHEADER=END\n k\nDATA=END\n");
        assertEquals(5, e.line());
        assertTrue(e.getMessage().contains("key on line 4"), e.getMessage());
        assertEquals(5, failure("VERSION=3\nformat=print\nHEADER=END\n k\n").line());
    }

    @Test
    void lineWithoutLeadingSpaceIsAnError() {
        DumpFormatException e = failure("VERSION=3\nformat=print\nHEADER=END\nk\n v\nDATA=END\n");
        assertEquals(4, e.line());
    }

    @Test
    void emptyKeyIsRefused() {
        DumpFormatException e = failure("VERSION=3\nformat=print\nHEADER=END\n \n v\nDATA=END\n");
        assertEquals("line 4: empty key: Cairn keys are 1 to 4096 bytes", e.getMessage());
    }

    @Test
    void oversizedKeyIsRefusedWithItsSize() {
        String key = "6b".repeat(4097);
        DumpFormatException e = failure("VERSION=3\nformat=bytevalue\nHEADER=END\n 6b\n 76\n " + key + "\n 76\nDATA=END\n");
        assertEquals("line 6: key of 4097 bytes is larger than the maximum of 4096 bytes", e.getMessage());
    }

    @Test
    void oversizedValueIsRefusedWithoutBeingHeldInMemory() {
        DumpFormatException e = assertThrows(DumpFormatException.class, () -> {
            try (DumpReader r = reader("VERSION=3\nformat=print\nHEADER=END\n k\n 12345678901\nDATA=END\n", 10)) {
                while (r.next()) {
                    // reading is the test
                }
            }
        });
        assertEquals("line 5: value of 11 bytes is larger than the maximum of 10 bytes", e.getMessage());
    }

    @Test
    void headerProblemsNameTheLine() {
        assertEquals(1, failure("").line());
        assertEquals(3, failure("VERSION=3\nformat=print\nfoo=bar\nHEADER=END\nDATA=END\n").line());
        assertEquals(1, failure("VERSION=2\nformat=print\nHEADER=END\nDATA=END\n").line());
        assertEquals(2, failure("VERSION=3\nformat=base64\nHEADER=END\nDATA=END\n").line());
        assertEquals(2, failure("VERSION=3\nnonsense\nHEADER=END\nDATA=END\n").line());
        assertTrue(failure("format=print\nHEADER=END\nDATA=END\n").getMessage().contains("VERSION=3"));
        assertTrue(failure("VERSION=3\nHEADER=END\nDATA=END\n").getMessage().contains("format="));
        assertTrue(failure("VERSION=3\nformat=print\n").getMessage().contains("HEADER=END"));
    }

    @Test
    void dumpsThatCairnCannotHoldAreRefusedAtTheHeader() {
        assertTrue(failure("VERSION=3\nformat=print\nduplicates=1\nHEADER=END\nDATA=END\n").getMessage()
                .contains("one value per key"));
        assertTrue(failure("VERSION=3\nformat=print\ntype=recno\nHEADER=END\nDATA=END\n").getMessage()
                .contains("record numbers"));
        assertEquals(3, failure("VERSION=3\nformat=print\nkeys=0\nHEADER=END\nDATA=END\n").line());
    }

    @Test
    void secondDatabaseAfterDataEndIsRefused() {
        DumpFormatException e = failure("VERSION=3\nformat=print\nHEADER=END\n k\n v\nDATA=END\nVERSION=3\n");
        assertEquals(7, e.line());
        assertTrue(e.getMessage().contains("one database per dump"), e.getMessage());
    }

    @Test
    void headerWithoutRecordsReadsAsEmpty() throws IOException {
        try (DumpReader r = reader("VERSION=3\nformat=print\nHEADER=END\nDATA=END\n")) {
            assertFalse(r.next());
            assertFalse(r.next());
            assertNull(r.readHeader().database());
        }
    }
}
