package org.cairndb.tree;

/** Reads pages and overflow values of one database from its data file, through the cache. */
public interface PageLoader {

    /** The page written at {@code pos}. */
    Page load(long pos);

    /** The bytes of an overflow value written at {@code pos}. */
    byte[] readOverflow(long pos, int length);
}
