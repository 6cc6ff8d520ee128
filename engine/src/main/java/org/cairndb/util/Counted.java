package org.cairndb.util;

/** "1 segment", "2 segments", "0 segments": a count with its noun, for messages people read. */
public final class Counted {

    private Counted() {
    }

    /** {@code n} and the noun, with an "s" unless {@code n} is one (the nouns used here take a plain "s"). */
    public static String of(long n, String singular) {
        return n + " " + singular + (n == 1 ? "" : "s");
    }
}
