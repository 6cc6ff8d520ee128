package org.cairndb.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The file system as the engine sees it. Every byte the engine reads or writes goes through here,
 * so that tests can put a fault-injecting layer beneath it (lost unsynced writes, torn pages, a
 * full disk) and prove that recovery copes.
 */
public interface FileIO {

    /** Opens a file for reading, or for reading and writing (creating it if {@code create}). */
    StorageFile open(Path path, boolean write, boolean create) throws IOException;

    boolean exists(Path path);

    /** Names of the regular files in {@code dir}, sorted; empty if the directory does not exist. */
    List<String> list(Path dir) throws IOException;

    void createDirectories(Path dir) throws IOException;

    void delete(Path path) throws IOException;

    /** Renames atomically, replacing {@code target} if it exists. */
    void rename(Path source, Path target) throws IOException;

    /** Forces a directory's entries (created, renamed, deleted files) to stable storage. */
    void syncDirectory(Path dir) throws IOException;
}
