package io.pgrunbook.cli;

import io.pgrunbook.cluster.ClusterProbe;
import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.cluster.NodeState;
import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.inventory.Host;
import io.pgrunbook.pgbouncer.PgBouncerConfig;
import io.pgrunbook.pgbouncer.Repoint;
import io.pgrunbook.remote.Connections;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** {@code pgrunbook pgbouncer point --to HOST}: rewrites every PgBouncer's databases to lead to HOST, then reloads. */
@Command(name = "point", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Point every PgBouncer's configured databases at HOST: rewrite host= and port= in its config file"
                + " (backup <file>.pgrunbook-<timestamp>, the rest of the file unchanged), update the marker file,"
                + " RELOAD, then RESUME the databases (or, with --pause, leave them paused).",
                "Refuses a HOST that is not the live primary unless --force. Running it twice changes nothing."},
        footer = {"", "Exit codes: 0 done, 1 a PgBouncer failed, 3 refused (HOST is not the live primary)."})
public class PgBouncerPointCommand extends AbstractCommand {
    @Option(names = "--to", required = true, paramLabel = "HOST", description = "Inventory host the databases should lead to.")
    String to;

    @Option(names = "--pause", description = "Leave the databases paused (pause them if they are not); resume later with"
            + " 'pgbouncer resume'.")
    boolean pause;

    @Option(names = "--force", description = "Point at HOST even when it is not the live primary (e.g. just before"
            + " promoting it).")
    boolean force;

    @Override
    public Integer call() throws Exception {
        Cluster cluster = cluster();
        Host target = cluster.host(to).orElseThrow(() -> new PgrunbookException(Outcome.USAGE, "no host '" + to
                + "' in cluster " + cluster.name(), "hosts: " + cluster.hosts().stream().map(Host::name).collect(Collectors.joining(", "))));
        if (cluster.pgbouncers().isEmpty()) {
            throw new PgrunbookException(Outcome.USAGE, "cluster " + cluster.name() + " has no PgBouncer host");
        }
        List<Repoint.Result> results = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        try (Connections connections = context().connections()) {
            ClusterState state = new ClusterProbe(connections, context().env()).probe(cluster);
            if (!to.equals(state.primary())) {
                String why = to + " is not the live primary: " + to + " is " + state.node(to).map(NodeState::state)
                        .map(s -> s.json()).orElse("unknown") + ", " + (state.primary() != null ? "the live primary is "
                        + state.primary() : "verdict " + state.verdict());
                if (!force) {
                    throw new PgrunbookException(Outcome.REFUSED, why + "; clients would reach a server that is not"
                            + " the primary", "point at " + (state.primary() != null ? state.primary() : "the primary")
                            + ", or add --force when you are about to promote " + to);
                }
                err().println("warning: " + why + " (--force)");
            }
            Instant now = Instant.now();
            for (Host h : cluster.pgbouncers()) {
                try {
                    results.add(Repoint.apply(h, connections.to(h), target, pause, now));
                } catch (RuntimeException e) {
                    if (e instanceof io.pgrunbook.remote.HostKeyException) {
                        throw e;
                    }
                    failures.add(e.getMessage());
                }
            }
        }
        if (global().json()) {
            out().println(Json.pretty(new Output(to, results, failures)));
        } else {
            Table t = new Table("PGBOUNCER", "FILE", "CHANGED", "DATABASES", "BACKUP", "STATE");
            for (Repoint.Result r : results) {
                t.row(r.host(), r.configFile(), r.changed() ? "yes" : "no (already)", r.entries().stream()
                                .map(PgBouncerPointCommand::describe).collect(Collectors.joining(", ")), r.backup(),
                        pause ? "paused" + (r.paused().isEmpty() ? "" : " " + String.join(",", r.paused()))
                                : r.resumed().isEmpty() ? "running" : "resumed " + String.join(",", r.resumed()));
            }
            out().print(t.render());
            failures.forEach(f -> err().println("pgrunbook: " + f));
        }
        return failures.isEmpty() ? ExitCodes.OK : ExitCodes.FAILED;
    }

    private static String describe(PgBouncerConfig.Change c) {
        return c.database() + " " + (c.oldHost() == null ? "(socket)" : c.oldHost() + (c.oldPort() == null ? "" : ":" + c.oldPort()))
                + (c.changed() ? " -> " + c.newHost() + ":" + c.newPort() : "");
    }

    /** JSON: the target and what each PgBouncer did. */
    public record Output(String to, List<Repoint.Result> pgbouncers, List<String> errors) {
    }
}
