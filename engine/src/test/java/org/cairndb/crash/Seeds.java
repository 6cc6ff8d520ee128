package org.cairndb.crash;

/**
 * Seeds and round counts of the crash tests. Every test prints the seed it uses; run it again with
 * {@code -Dcairn.crash.seed=<seed>} to repeat it (thread timing aside), and change the number of
 * rounds with {@code -Dcairn.crash.rounds=<n>}.
 */
final class Seeds {

    private Seeds() {
    }

    /** The seed for {@code test}: {@code cairn.crash.seed} if set, otherwise a fresh one. Printed either way. */
    static long seed(String test) {
        String s = System.getProperty("cairn.crash.seed");
        long seed = s != null && !s.isBlank() ? Long.parseLong(s.trim()) : System.nanoTime() ^ 0x5DEECE66DL * test.hashCode();
        System.out.println("[crash-test] " + test + ": seed " + seed + " (repeat with -Dcairn.crash.seed=" + seed + ")");
        return seed;
    }

    /** {@code cairn.crash.rounds} if set, otherwise {@code defaultRounds}. */
    static int rounds(int defaultRounds) {
        String s = System.getProperty("cairn.crash.rounds");
        return s != null && !s.isBlank() ? Integer.parseInt(s.trim()) : defaultRounds;
    }
}
