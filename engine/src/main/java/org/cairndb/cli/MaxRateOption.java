package org.cairndb.cli;

import picocli.CommandLine.Option;

/** The {@code --max-rate MB/s} option of the commands that copy an environment (hotbackup, failover). */
final class MaxRateOption {

    @Option(names = "--max-rate", paramLabel = "MB/s", description = "Copy at most this many megabytes per second, to"
            + " spare the disks of a busy server (default, or 0: no limit).")
    double maxRate;

    /** The limit, checked: a negative or NaN rate is a usage error naming the option. */
    double mbPerSecond() {
        if (maxRate < 0 || Double.isNaN(maxRate)) {
            throw new CommandFailedException(ExitCodes.USAGE, "--max-rate takes a number of MB/s, or 0 for no limit, not "
                    + maxRate);
        }
        return maxRate;
    }
}
