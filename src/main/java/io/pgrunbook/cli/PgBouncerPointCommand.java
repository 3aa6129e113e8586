package io.pgrunbook.cli;

import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Map;
import java.util.stream.Collectors;

/** {@code pgrunbook pgbouncer point --to HOST}: every PgBouncer's databases lead to HOST, by the pgbouncer-point runbook. */
@Command(name = "point", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Point every PgBouncer's configured databases at HOST: rewrite host= and port= in its config file"
                + " (backup <file>.pgrunbook-<timestamp>, the rest of the file unchanged), update the marker file,"
                + " RELOAD, then RESUME the databases (or, with --pause, leave them paused).",
                "Refuses a HOST that is not the live primary unless --force. Running it twice changes nothing.",
                "Runs the shipped runbook pgbouncer-point: shown, confirmed (--yes), locked, journaled (see history);"
                        + " --dry-run shows it and changes nothing."},
        footer = {"", "Exit codes: 0 done, 1 a PgBouncer failed, 3 refused (HOST is not the live primary), 130 aborted."})
public class PgBouncerPointCommand extends EngineCommand {
    @Option(names = "--to", required = true, paramLabel = "HOST", description = "Inventory host the databases should lead to.")
    String to;

    @Option(names = "--pause", description = "Leave the databases paused (pause them if they are not); resume later with"
            + " 'pgbouncer resume'.")
    boolean pause;

    @Option(names = "--force", description = "Point at HOST even when it is not the live primary (e.g. just before"
            + " promoting it).")
    boolean force;

    @Mixin
    ExecutionOptions exec = new ExecutionOptions();

    @Override
    public Integer call() throws Exception {
        Cluster cluster = cluster();
        if (cluster.host(to).isEmpty()) {
            throw new PgrunbookException(Outcome.USAGE, "no host '" + to + "' in cluster " + cluster.name(),
                    "hosts: " + cluster.hosts().stream().map(Host::name).collect(Collectors.joining(", ")));
        }
        return PgBouncerRun.run(this, exec, "pgbouncer-point", Map.of("to", to, "pause", String.valueOf(pause),
                "force", String.valueOf(force)));
    }
}
