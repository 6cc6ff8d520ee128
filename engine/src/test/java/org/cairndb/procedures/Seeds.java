package org.cairndb.procedures;

/**
 * Seeds of the procedure tests. Each test prints its seed; run it again with
 * {@code -Dcairn.procedures.seed=<seed>} to repeat it (thread timing aside). The randomized hot
 * backup test runs {@code cairn.procedures.rounds} rounds (default 50).
 */
final class Seeds {

    private Seeds() {
    }

    static long seed(String test) {
        String s = System.getProperty("cairn.procedures.seed");
        long seed = s != null && !s.isBlank() ? Long.parseLong(s.trim()) : System.nanoTime() ^ (0x9E3779B97F4A7C15L * test.hashCode());
        System.out.println("[procedures] " + test + ": seed " + seed + " (repeat with -Dcairn.procedures.seed=" + seed + ")");
        return seed;
    }

    static int rounds(int defaultRounds) {
        String s = System.getProperty("cairn.procedures.rounds");
        return s != null && !s.isBlank() ? Integer.parseInt(s.trim()) : defaultRounds;
    }
}
