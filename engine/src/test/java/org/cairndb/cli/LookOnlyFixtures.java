package org.cairndb.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.tools.Bench;

/** Environments and command lines for the tests of the commands that only look. */
final class LookOnlyFixtures {

    private LookOnlyFixtures() {
    }

    /**
     * A bench environment whose last 40 transfers are only in the log: it was abandoned as by a
     * crash, so every open replays them.
     */
    static Path crashedBenchEnvironment(Path home) throws Exception {
        Files.createDirectories(home);
        CliRun.Result init = CliRun.run("bench", "-h", home.toString(), "--init", "--accounts", "200");
        assertEquals(0, init.exit(), init::toString);
        CliRun.Result run = CliRun.run("bench", "-h", home.toString(), "--transactions", "60");
        assertEquals(0, run.exit(), run::toString);
        Environment env = Environment.open(home, new EnvironmentConfig().allowCreate(false).checkpointerEnabled(false));
        Bench.run(env, new Bench.RunConfig(1, 0, 40, Durability.SYNC, null, 60_000), new PrintWriter(Writer.nullWriter()),
                elapsed -> false);
        env.internals().abandon();
        return home;
    }

    /** Every look, as command lines on {@code home}; {@code dumpFile} (outside it) receives a dump. */
    static List<String[]> looks(Path home, Path dumpFile) {
        List<String[]> looks = new ArrayList<>();
        for (String command : List.of("stat", "stat -d accounts", "dump -l", "dump history", "dump -p accounts",
                "archive", "archive -v", "archive -a", "archive -l -s", "bench --check")) {
            looks.add(args(command, home));
        }
        looks.add(new String[] {"dump", "-h", home.toString(), "-f", dumpFile.toString(), "accounts"});
        return looks;
    }

    /** {@code command} ("stat -d accounts") with {@code -h home} after its name. */
    static String[] args(String command, Path home) {
        String[] words = command.split(" ");
        List<String> args = new ArrayList<>();
        args.add(words[0]);
        args.add("-h");
        args.add(home.toString());
        args.addAll(List.of(words).subList(1, words.length));
        return args.toArray(new String[0]);
    }

    /** Output with what differs from one run to the next (durations) taken out. */
    static String stable(String output) {
        return output.replaceAll("\\d+ ms", "N ms").replaceAll("\\d+\\.\\d+ s\\b", "N s");
    }
}
