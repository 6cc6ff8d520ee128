package org.cairndb.procedures;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.cairndb.cli.CairnCli;

/** Runs {@code cairn} command lines in this JVM, as an admin would type them. */
final class Cairn {

    /** Exit status and what was written to stdout and stderr. */
    record Result(int exit, String out, String err) {
        List<String> lines() {
            return out.isEmpty() ? List.of() : Arrays.asList(out.split("\\R"));
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- out:\n" + out + "--- err:\n" + err;
        }
    }

    private Cairn() {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = CairnCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true),
                new ByteArrayInputStream(new byte[0]));
        return new Result(exit, out.toString(), err.toString());
    }

    /** Runs a command that must succeed; returns its result. */
    static Result ok(String... args) {
        Result r = run(args);
        assertEquals(0, r.exit(), () -> "cairn " + String.join(" ", args) + " failed:\n" + r);
        return r;
    }

    /** The paths a listing command printed, resolved against {@code home} (they are relative unless -a). */
    static List<Path> paths(Path home, Result r) {
        return r.lines().stream().map(l -> home.resolve(l).normalize()).toList();
    }
}
