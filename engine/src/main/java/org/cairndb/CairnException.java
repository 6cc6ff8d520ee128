package org.cairndb;

/** Base of every exception the engine throws. Its message names the thing that went wrong. */
public class CairnException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CairnException(String message) {
        super(message);
    }

    public CairnException(String message, Throwable cause) {
        super(message, cause);
    }
}
