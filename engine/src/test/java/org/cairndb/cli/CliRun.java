package org.cairndb.cli;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

/** Runs a cairn command line in this process, capturing its output. */
final class CliRun {

    /** Exit status and everything written to stdout and stderr. */
    record Result(int exit, String out, String err) {
        /** The lines of stderr (none on success, exactly one on failure). */
        String[] errLines() {
            return err.isEmpty() ? new String[0] : err.split("\\R");
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- out:\n" + out + "--- err:\n" + err;
        }
    }

    private CliRun() {
    }

    static Result run(String... args) {
        return run(new ByteArrayInputStream(new byte[0]), args);
    }

    static Result runWithInput(String stdin, String... args) {
        return run(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.ISO_8859_1)), args);
    }

    static Result run(InputStream in, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = CairnCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true), in);
        return new Result(exit, out.toString(), err.toString());
    }
}
