package org.cairndb;

/**
 * The environment hit an error it cannot continue from safely, most often a failed log write or
 * force (a full disk, a failing device). Nothing committed before the failure is lost. Every later
 * operation throws this exception until the environment is closed and opened again, which runs
 * recovery. A commit that failed this way may or may not be present after recovery.
 */
public class EnvironmentFailureException extends CairnException {
    private static final long serialVersionUID = 1L;

    public EnvironmentFailureException(String message, Throwable cause) {
        super(message, cause);
    }
}
