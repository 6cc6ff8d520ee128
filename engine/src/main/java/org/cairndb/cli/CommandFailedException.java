package org.cairndb.cli;

/** A command could not do its job; the message is the one line shown to the user. */
final class CommandFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    CommandFailedException(String message) {
        this(ExitCodes.FAILED, message);
    }

    CommandFailedException(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
