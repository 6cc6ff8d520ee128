package org.cairndb;

/** Another process (named in the message) has the environment open. */
public class EnvironmentLockedException extends CairnException {
    private static final long serialVersionUID = 1L;

    private final String situation;

    public EnvironmentLockedException(String message) {
        super(message);
        this.situation = message;
    }

    /**
     * {@code situation} says who holds the environment, {@code advice} what to do before opening it;
     * the message is both.
     */
    public EnvironmentLockedException(String situation, String advice) {
        super(situation + "; " + advice);
        this.situation = situation;
    }

    /**
     * Who holds the environment, without the advice to close it there: for a caller that does not
     * need the environment itself and goes on without it (a listing worked out from the files).
     */
    public String situation() {
        return situation;
    }
}
