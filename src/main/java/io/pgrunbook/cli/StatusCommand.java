package io.pgrunbook.cli;

import io.pgrunbook.cluster.ClusterProbe;
import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.remote.Connections;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pgrunbook status}: the live state of every host and the verdict; exit code by verdict. */
@Command(name = "status", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Live state of every host (designed role beside live state, timeline, LSN, lag, upstream, "
                + "PgBouncer target) and the verdict: HEALTHY, FAILOVER_STATE, DEGRADED, SPLIT_BRAIN, NO_PRIMARY.",
        footer = {"", "Exit codes: 0 HEALTHY, 1 FAILOVER_STATE or DEGRADED, 2 SPLIT_BRAIN or NO_PRIMARY, 3 UNKNOWN."})
public class StatusCommand extends AbstractCommand {
    @Option(names = "--watch", paramLabel = "SECONDS", description = "Probe again every SECONDS until Ctrl-C.")
    Integer watch;

    @Override
    public Integer call() throws Exception {
        Cluster cluster = cluster();
        return show(cluster);
    }

    /** How the "next:" line starts; `lab status` adds its inventory. */
    NextCommand nextCommand() {
        return NextCommand.of(this);
    }

    /** Probes and prints; with --watch, again and again. Shared with `lab status`. */
    int show(Cluster cluster) throws Exception {
        if (watch != null && watch < 1) {
            throw new PgrunbookException(ExitCodes.USAGE, "--watch takes a whole number of seconds, 1 or more");
        }
        try (Connections connections = context().connections()) {
            ClusterProbe probe = new ClusterProbe(connections, context().env());
            while (true) {
                ClusterState state = probe.probe(cluster);
                NextCommand next = nextCommand();
                if (global().json()) {
                    var json = StatusView.json(state, next);
                    out().println(watch != null ? Json.compact(json) : Json.pretty(json));
                } else {
                    if (watch != null && context().interactive()) {
                        out().print("\033[H\033[2J");
                    }
                    out().print(StatusView.table(state, ansi()));
                    String what = NextCommand.forState(state);
                    if (what != null) {
                        out().println(next.line(what));
                    }
                }
                out().flush();
                if (watch == null) {
                    return state.verdict().exitCode();
                }
                Thread.sleep(watch * 1000L);
            }
        }
    }
}
