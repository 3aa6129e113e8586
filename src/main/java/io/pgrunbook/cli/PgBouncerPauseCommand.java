package io.pgrunbook.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Map;

/** {@code pgrunbook pgbouncer pause}: PAUSE the managed databases (or one) on every PgBouncer, by the pgbouncer-pause runbook. */
@Command(name = "pause", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "PAUSE the managed databases (or --database DB) on every PgBouncer: clients wait instead of failing."
                + " Waits for running transactions' server connections to be released. No guard: the databases stay"
                + " paused until 'pgbouncer resume'. Runs the shipped runbook pgbouncer-pause: shown, confirmed"
                + " (--yes), journaled (see history); --dry-run shows it and changes nothing.",
        footer = {"", "Exit codes: 0 done, 1 a PgBouncer failed or has no such database, 130 aborted."})
public class PgBouncerPauseCommand extends EngineCommand {
    @Option(names = "--database", paramLabel = "DB", description = "Only this database (default: the inventory's"
            + " pgbouncer.databases).")
    String database;

    @Mixin
    ExecutionOptions exec = new ExecutionOptions();

    @Override
    public Integer call() throws Exception {
        return PgBouncerRun.run(this, exec, "pgbouncer-pause", Map.of("database", database == null ? "" : database));
    }
}
