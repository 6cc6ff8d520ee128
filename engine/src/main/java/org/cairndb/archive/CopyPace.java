package org.cairndb.archive;

import java.io.IOException;

/**
 * Told of every chunk a copy has written, before it writes the next: it may wait (to keep the
 * copy under a rate), or throw (to stop a copy that must not go on, such as a backup whose
 * environment is closing).
 */
@FunctionalInterface
public interface CopyPace {

    /** {@code bytes} more were copied. */
    void copied(long bytes) throws IOException;
}
