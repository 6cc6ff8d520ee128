package org.cairndb.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code -h HOME} option of every subcommand that works on an existing environment. */
final class HomeOption {

    @Option(names = "-h", paramLabel = "HOME", required = true,
            description = "The environment's home directory (holding data/ and log/).")
    Path home;
}
