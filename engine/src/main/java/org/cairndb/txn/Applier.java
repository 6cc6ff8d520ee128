package org.cairndb.txn;

import java.util.List;

/** Applies committed writes to the trees: builds the next version from the current one. */
public interface Applier {

    /**
     * Applies the writes of {@code batch} (in order) to {@code base} as one epoch numbered
     * {@code epoch}, returning the new version (timestamp {@code epoch}).
     */
    Version apply(Version base, List<Txn> batch, long epoch);
}
