package org.cairndb.cli;

import java.io.StringWriter;

/** A StringWriter that a test can wait on until some text has been written, with a deadline. */
final class WatchedWriter extends StringWriter {

    @Override
    public void write(int c) {
        synchronized (this) {
            super.write(c);
            notifyAll();
        }
    }

    @Override
    public void write(char[] cbuf, int off, int len) {
        synchronized (this) {
            super.write(cbuf, off, len);
            notifyAll();
        }
    }

    @Override
    public void write(String str, int off, int len) {
        synchronized (this) {
            super.write(str, off, len);
            notifyAll();
        }
    }

    /** Waits until the text written so far contains {@code text}; fails after 30 s. */
    synchronized void awaitContains(String text) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!toString().contains(text)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("timed out waiting for '" + text + "' in:\n" + this);
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }
}
