package io.pgrunbook.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pgrunbook pgbouncer pause}: PAUSE the managed databases (or one) on every PgBouncer. */
@Command(name = "pause", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "PAUSE the managed databases (or --database DB) on every PgBouncer: clients wait instead of failing."
                + " Waits for running transactions' server connections to be released.",
        footer = {"", "Exit codes: 0 done, 1 a PgBouncer failed or has no such database."})
public class PgBouncerPauseCommand extends AbstractCommand {
    @Option(names = "--database", paramLabel = "DB", description = "Only this database (default: the inventory's"
            + " pgbouncer.databases).")
    String database;

    @Override
    public Integer call() throws Exception {
        return PgBouncerPauseResume.run(this, true, database);
    }
}
