package org.cairndb;

/**
 * An I/O failure on a named file (disk full, permission denied, device error). Nothing committed
 * before the failure is harmed; the operation that hit it did not take effect.
 */
public class StorageException extends CairnException {
    private static final long serialVersionUID = 1L;

    private final transient java.nio.file.Path file;

    public StorageException(java.nio.file.Path file, String message, Throwable cause) {
        super(file + ": " + message, cause);
        this.file = file;
    }

    /** The file the failure happened on. */
    public java.nio.file.Path file() {
        return file;
    }
}
