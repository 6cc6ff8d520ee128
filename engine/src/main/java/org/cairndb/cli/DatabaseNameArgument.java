package org.cairndb.cli;

import org.cairndb.env.Catalog;

/**
 * A database named on the command line: a name no database can have (empty, longer than 100
 * characters, other characters than letters, digits, '_', '-' and '.') is a command-line error
 * (exit 2) in every command, checked before anything is opened, as {@code cairn load} always did;
 * {@code dump} and {@code stat -d} reported it as a failed operation (exit 1).
 */
final class DatabaseNameArgument {

    private DatabaseNameArgument() {
    }

    static void requireValid(String name) {
        try {
            Catalog.checkName(name);
        } catch (IllegalArgumentException e) {
            throw new CommandFailedException(ExitCodes.USAGE, e.getMessage());
        }
    }
}
