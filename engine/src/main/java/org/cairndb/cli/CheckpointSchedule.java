package org.cairndb.cli;

/**
 * When {@code cairn checkpoint -k KB -p MIN} takes its next checkpoint: once KB kilobytes of log
 * were written since the last one, or MIN minutes passed; a zero or absent limit never triggers.
 */
record CheckpointSchedule(long kbytes, long minutes) {

    CheckpointSchedule {
        if (kbytes < 0 || minutes < 0) {
            throw new IllegalArgumentException("-k and -p must not be negative");
        }
    }

    boolean isDue(long logBytesSinceLast, long millisSinceLast) {
        // Divided rather than multiplied: a huge -k or -p must mean "never", not overflow into "always".
        return (kbytes > 0 && logBytesSinceLast / 1024 >= kbytes)
                || (minutes > 0 && millisSinceLast / 60_000 >= minutes);
    }

    String describe() {
        StringBuilder sb = new StringBuilder();
        if (kbytes > 0) {
            sb.append("after every ").append(kbytes).append(" KB of log");
        }
        if (minutes > 0) {
            sb.append(sb.length() > 0 ? " or " : "").append("every ").append(minutes).append(minutes == 1 ? " minute" : " minutes");
        }
        return sb.toString();
    }
}
