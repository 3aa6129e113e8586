package io.pgrunbook.cli;

import picocli.CommandLine.Command;

/** {@code pgrunbook pgbouncer}: lists its subcommands. */
@Command(name = "pgbouncer", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Inspect and repoint the cluster's PgBouncers.",
        subcommands = {PgBouncerShowCommand.class, PgBouncerPointCommand.class, PgBouncerPauseCommand.class,
                PgBouncerResumeCommand.class})
public class PgBouncerCommand {
}
