package org.cairndb.tools;

import java.io.IOException;

/** A dump's text breaks the format; the message starts with the line number. */
public final class DumpFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final long line;

    public DumpFormatException(long line, String problem) {
        super("line " + line + ": " + problem);
        this.line = line;
    }

    /** The 1-based line of the input where the problem is. */
    public long line() {
        return line;
    }
}
