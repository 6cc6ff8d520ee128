package org.cairndb.archive;

import java.io.IOException;

/**
 * An archive directory this environment may not write into: another environment, or the original of
 * this copy, archives there (see {@link ArchiveOwner}). The message says whose it is and what to do.
 * An {@link IOException}, so that continuous archiving reports it and retries like any failed copy:
 * once the admin points the archive elsewhere or takes it over, the next attempt goes through.
 */
public final class ArchiveOwnedException extends IOException {

    private static final long serialVersionUID = 1L;

    public ArchiveOwnedException(String message) {
        super(message);
    }
}
