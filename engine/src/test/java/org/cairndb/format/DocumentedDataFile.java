package org.cairndb.format;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A data file decoded as docs/file-format.md lays it out: both header copies, the current one (the
 * valid copy with the higher generation, which must sit in page generation mod 2), the tree it names
 * and its space map.
 */
record DocumentedDataFile(Path file, long size, DocumentedDataFileHeader copy0, DocumentedDataFileHeader copy1,
        DocumentedDataFileHeader current, DocumentedTree tree, DocumentedSpaceMap spaceMap) {

    static DocumentedDataFile read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        String where = file.toString();
        int pageSize = FormatReader.int32At(bytes, 12);
        DocumentedDataFileHeader h0 = DocumentedDataFileHeader.decode(bytes, 0, pageSize, where);
        if (!h0.valid()) {
            // The page size of copy 0 cannot be trusted; copy 1 sits at one of the allowed sizes.
            for (int size = 8192; size <= 65536 && !h0.valid(); size <<= 1) {
                DocumentedDataFileHeader h1 = DocumentedDataFileHeader.decode(bytes, 1, size, where);
                if (h1.valid() && h1.pageSize() == size) {
                    pageSize = size;
                    break;
                }
            }
        }
        DocumentedDataFileHeader h1 = DocumentedDataFileHeader.decode(bytes, 1, pageSize, where);
        DocumentedDataFileHeader current = h0.valid() && (!h1.valid() || h0.generation() > h1.generation()) ? h0
                : h1.valid() ? h1 : null;
        if (current == null) {
            return new DocumentedDataFile(file, bytes.length, h0, h1, null, null, null);
        }
        DocumentedTree tree = DocumentedTree.walk(bytes, current, where);
        DocumentedSpaceMap map = current.spaceMapPage() == 0 ? null
                : DocumentedSpaceMap.decode(tree.runOfPages(current.spaceMapPage(), current.spaceMapPages(),
                        DocumentedPage.SPACE_MAP), where);
        return new DocumentedDataFile(file, bytes.length, h0, h1, current, tree, map);
    }
}
