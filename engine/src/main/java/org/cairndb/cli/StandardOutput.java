package org.cairndb.cli;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The process's standard output, remembering its first write error. {@code System.out} keeps write
 * errors to itself (a PrintStream), so a dump redirected to a full disk ended with status 0 and a
 * truncated file. The error is passed on to the writer above (a PrintWriter, which keeps it as its
 * error state), and every later write fails at once without trying. The commands whose whole work is
 * their output ({@code printlog}, {@code dump} to standard output) check that state as they go and
 * stop: {@code cairn printlog | less} ends as soon as less is quit, instead of reading the rest of
 * the log into a closed pipe. Others run to their end (a backup or a bench run is not cut short
 * because its progress lines cannot be written). Either way the command then fails, saying so
 * ({@link CairnCli#run}).
 */
final class StandardOutput extends FilterOutputStream {

    static final String FAILED = "writing to standard output failed (a full disk, or a closed pipe?): what was"
            + " written is incomplete";

    private volatile boolean failed;

    StandardOutput(OutputStream out) {
        super(out);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (failed) {
            throw new IOException("standard output failed earlier");
        }
        try {
            out.write(b, off, len);
        } catch (IOException e) {
            failed = true;
            throw e;
        }
    }

    @Override
    public void flush() throws IOException {
        if (failed) {
            throw new IOException("standard output failed earlier");
        }
        try {
            out.flush();
        } catch (IOException e) {
            failed = true;
            throw e;
        }
    }

    /** Whether anything written could not be. */
    boolean failed() {
        return failed;
    }
}
