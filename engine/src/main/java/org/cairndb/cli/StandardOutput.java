package org.cairndb.cli;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The process's standard output, remembering its first write error. {@code System.out} keeps write
 * errors to itself (a PrintStream), so a dump redirected to a full disk ended with status 0 and a
 * truncated file. After the first error every later write is dropped at once, so that a command
 * writing into a closed pipe ({@code | head}) does not fail slowly on each line; the command runs
 * to its end (a backup or a bench run is not cut short because its progress lines cannot be
 * written) and then fails, saying so ({@link CairnCli#run}).
 */
final class StandardOutput extends FilterOutputStream {

    static final String FAILED = "writing to standard output failed (a full disk, or a closed pipe?): what was"
            + " written is incomplete";

    private volatile boolean failed;

    StandardOutput(OutputStream out) {
        super(out);
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        if (failed) {
            return;
        }
        try {
            out.write(b, off, len);
        } catch (IOException e) {
            failed = true;
        }
    }

    @Override
    public void flush() {
        if (failed) {
            return;
        }
        try {
            out.flush();
        } catch (IOException e) {
            failed = true;
        }
    }

    /** Whether anything written could not be. */
    boolean failed() {
        return failed;
    }
}
