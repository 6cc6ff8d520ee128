package org.cairndb;

/** The named database does not exist in the environment. */
public class DatabaseNotFoundException extends CairnException {
    private static final long serialVersionUID = 1L;

    public DatabaseNotFoundException(String message) {
        super(message);
    }
}
