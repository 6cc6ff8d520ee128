package org.cairndb.cli;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import org.cairndb.CairnException;

/** Turns an exception into the one line a user sees. */
final class Errors {

    private Errors() {
    }

    /** Whether to print stack traces too: {@code CAIRN_DEBUG=1} in the environment or {@code -Dcairn.debug=true}. */
    static boolean debug() {
        return "1".equals(System.getenv("CAIRN_DEBUG")) || Boolean.getBoolean("cairn.debug");
    }

    static String oneLine(Throwable e) {
        String m = e.getMessage();
        String text;
        if (e instanceof CommandFailedException || e instanceof CairnException || e instanceof IllegalArgumentException
                || e instanceof IllegalStateException) {
            // The engine's and the tools' messages already name the thing that went wrong.
            text = m;
        } else if (e instanceof NoSuchFileException f) {
            text = "no such file or directory: " + f.getFile();
        } else if (e instanceof AccessDeniedException f) {
            text = "permission denied: " + f.getFile();
        } else if (e instanceof FileAlreadyExistsException f) {
            text = "already exists: " + f.getFile();
        } else if (e instanceof NotDirectoryException f) {
            text = "not a directory: " + f.getFile();
        } else if (e instanceof FileSystemException f) {
            text = f.getFile() + ": " + (f.getReason() != null ? f.getReason() : m);
        } else if (e instanceof java.io.IOException) {
            text = m != null ? m : e.getClass().getSimpleName();
        } else {
            text = e.getClass().getName() + (m != null ? ": " + m : "")
                    + " (an internal error; run with CAIRN_DEBUG=1 for the stack trace and report it)";
        }
        return oneLine(text == null ? e.getClass().getSimpleName() : text);
    }

    static String oneLine(String text) {
        return text.strip().replaceAll("\\s*\\R\\s*", "; ");
    }
}
