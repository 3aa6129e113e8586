package io.pgrunbook.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pgrunbook pgbouncer resume}: RESUME the managed databases (or one) on every PgBouncer. */
@Command(name = "resume", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "RESUME the managed databases (or --database DB) on every PgBouncer.",
        footer = {"", "Exit codes: 0 done, 1 a PgBouncer failed or has no such database."})
public class PgBouncerResumeCommand extends AbstractCommand {
    @Option(names = "--database", paramLabel = "DB", description = "Only this database (default: the inventory's"
            + " pgbouncer.databases).")
    String database;

    @Override
    public Integer call() throws Exception {
        return PgBouncerPauseResume.run(this, false, database);
    }
}
