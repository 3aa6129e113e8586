package io.pgrunbook.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Map;

/** {@code pgrunbook pgbouncer resume}: RESUME the managed databases (or one) on every PgBouncer, by the pgbouncer-resume runbook. */
@Command(name = "resume", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "RESUME the managed databases (or --database DB) on every PgBouncer; all of them also cancels a run's"
                + " pause guard. Runs the shipped runbook pgbouncer-resume: shown, confirmed (--yes), journaled (see"
                + " history); --dry-run shows it and changes nothing.",
        footer = {"", "Exit codes: 0 done, 1 a PgBouncer failed or has no such database, 130 aborted."})
public class PgBouncerResumeCommand extends EngineCommand {
    @Option(names = "--database", paramLabel = "DB", description = "Only this database (default: the inventory's"
            + " pgbouncer.databases).")
    String database;

    @Mixin
    ExecutionOptions exec = new ExecutionOptions();

    @Override
    public Integer call() throws Exception {
        return PgBouncerRun.run(this, exec, "pgbouncer-resume", Map.of("database", database == null ? "" : database));
    }
}
