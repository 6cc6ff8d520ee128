package org.cairndb.cli;

/** Exit statuses of every {@code cairn} command. */
final class ExitCodes {
    /** The command did what it was asked. */
    static final int OK = 0;
    /** It could not: the environment is locked, missing or damaged, a check found problems, ... */
    static final int FAILED = 1;
    /** The command line itself was wrong: an unknown option, a missing argument. */
    static final int USAGE = 2;

    private ExitCodes() {
    }
}
