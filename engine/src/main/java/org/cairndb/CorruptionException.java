package org.cairndb;

/**
 * Bytes read back from disk failed their checksum or do not form a valid structure. The message
 * names the file and the offset, and whether catastrophic recovery ({@code cairn recover -c}) is
 * needed.
 */
public class CorruptionException extends StorageException {
    private static final long serialVersionUID = 1L;

    private final long offset;

    public CorruptionException(java.nio.file.Path file, long offset, String message) {
        super(file, "corrupt at offset " + offset + ": " + message, null);
        this.offset = offset;
    }

    /** Byte offset in {@link #file()} where the damage was found. */
    public long offset() {
        return offset;
    }
}
