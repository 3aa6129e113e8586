package io.pgrunbook.cli;

import picocli.CommandLine.Command;

/** {@code pgrunbook lab}: lists its subcommands. */
@Command(name = "lab", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "A real PostgreSQL cluster on this machine's loopback addresses, for drills and tests.",
        subcommands = {LabUpCommand.class, LabDownCommand.class, LabStatusCommand.class})
public class LabCommand {
}
