package org.cairndb;

/** Another process (named in the message) has the environment open. */
public class EnvironmentLockedException extends CairnException {
    private static final long serialVersionUID = 1L;

    public EnvironmentLockedException(String message) {
        super(message);
    }
}
