package org.cairndb.util;

import java.time.Duration;

/**
 * The bounds of a timeout. Timeouts become nanoseconds (a long holds about 292 years of them) and
 * deadlines {@code System.nanoTime() + timeout}: a value of a few hundred years overflowed there and
 * failed the open with "long overflow", or would have made every wait time out at once. A hundred
 * years is "never" for every practical purpose and far from either limit. The other durations of
 * the configuration (checkpoint interval, page reuse delay) become milliseconds and are bounded
 * the same way.
 */
public final class Timeouts {

    /** The longest timeout accepted. */
    public static final Duration MAX = Duration.ofDays(36_500);

    private Timeouts() {
    }

    /** {@code value}, if it is zero or more and at most {@link #MAX}; otherwise an error naming {@code what}. */
    public static Duration check(Duration value, String what) {
        if (value == null || value.isNegative()) {
            throw new IllegalArgumentException(what + " must be zero or more: " + value);
        }
        if (value.compareTo(MAX) > 0) {
            throw new IllegalArgumentException(what + " of " + value + " is longer than the longest accepted, "
                    + MAX.toDays() + " days");
        }
        return value;
    }
}
