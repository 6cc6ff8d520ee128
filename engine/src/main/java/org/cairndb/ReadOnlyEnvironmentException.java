package org.cairndb;

/**
 * A write through an environment opened only to inspect it ({@link EnvironmentConfig#inspectOnly}):
 * such an open changes nothing on disk, so a put, a delete, a prepare, a checkpoint or a database
 * created or removed is refused. Nothing was changed.
 */
public class ReadOnlyEnvironmentException extends CairnException {
    private static final long serialVersionUID = 1L;

    public ReadOnlyEnvironmentException(String message) {
        super(message);
    }
}
