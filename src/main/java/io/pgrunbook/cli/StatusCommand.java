package io.pgrunbook.cli;

import io.pgrunbook.cluster.ClusterProbe;
import io.pgrunbook.cluster.ClusterState;
import io.pgrunbook.core.Outcome;
import io.pgrunbook.core.PgrunbookException;
import io.pgrunbook.inventory.Cluster;
import io.pgrunbook.remote.Connections;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code pgrunbook status}: the live state of every host and the verdict; exit code by verdict. */
@Command(name = "status", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Live state of every host (designed role beside live state, timeline, LSN, lag, upstream, "
                + "PgBouncer target) and the verdict: HEALTHY, FAILOVER_STATE, DEGRADED, SPLIT_BRAIN, NO_PRIMARY.",
        footer = {"", "Exit codes: 0 HEALTHY, 1 FAILOVER_STATE or DEGRADED, 2 SPLIT_BRAIN or NO_PRIMARY, 3 UNKNOWN.",
                "With -o nagios: one monitoring-plugin line (OK, WARNING, CRITICAL, UNKNOWN) with perfdata, the same"
                        + " exit codes, and 3 UNKNOWN for a bad inventory or a failed probe too.",
                "With --all-clusters: one line per cluster, worst first (SPLIT_BRAIN, NO_PRIMARY, UNKNOWN, FAILOVER_STATE,"
                        + " DEGRADED, HEALTHY); the exit code is the worst cluster's."})
public class StatusCommand extends AbstractCommand {
    @Option(names = "--watch", paramLabel = "SECONDS", description = "Probe again every SECONDS until Ctrl-C.")
    Integer watch;

    @Option(names = "--lag-warning", paramLabel = "SIZE",
            description = "With -o nagios: WARNING when a standby lags more (default: the cluster's max_lag).")
    String lagWarning;

    @Option(names = "--lag-critical", paramLabel = "SIZE",
            description = "With -o nagios: CRITICAL when a standby lags more (default: none).")
    String lagCritical;

    @Option(names = "--all-clusters", description = "Every cluster of the inventory, probed at once: one line per cluster,"
            + " worst first (verdict, primary, hosts up, worst lag, reason, next command); exit code of the worst.")
    boolean allClusters;

    @Option(names = "--parallel", paramLabel = "N", description = "With --all-clusters: at most N host probes (and"
            + " PostgreSQL sessions) at a time, for all clusters together (default: ${DEFAULT-VALUE}).",
            defaultValue = "" + io.pgrunbook.cluster.FleetProbe.DEFAULT_PARALLEL)
    int parallel;

    @Override
    public Integer call() throws Exception {
        if (allClusters) {
            return FleetStatus.run(this, parallel);
        }
        if (spec.commandLine().getParseResult().hasMatchedOption("--parallel")) {
            throw new PgrunbookException(Outcome.USAGE, "--parallel goes with --all-clusters",
                    "add --all-clusters, or leave out --parallel");
        }
        if (global().nagios()) {
            return nagios(this::cluster);
        }
        Cluster cluster = cluster();
        return show(cluster);
    }

    /**
     * A monitoring agent reads stdout and the exit code only: every failure, a bad inventory too, is one UNKNOWN line
     * there (exit 3), never a usage or inventory exit code it would not understand.
     */
    int nagios(java.util.function.Supplier<Cluster> inventory) {
        NagiosView.Check check;
        String clusterName = global().cluster();
        try {
            if (watch != null) {
                throw new PgrunbookException(Outcome.USAGE, "--watch does not go with -o nagios");
            }
            Cluster cluster = inventory.get();
            clusterName = cluster.name();
            NagiosView.Thresholds t = new NagiosView.Thresholds(
                    lagWarning != null ? size("--lag-warning", lagWarning) : cluster.settings().maxLagBytes(),
                    lagCritical != null ? size("--lag-critical", lagCritical) : null);
            try (Connections connections = context().connections()) {
                check = NagiosView.check(new ClusterProbe(connections, context().env()).probe(cluster), t);
            }
        } catch (RuntimeException e) {
            check = NagiosView.unknown(clusterName, e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName());
        }
        out().println(check.text());
        out().flush();
        return check.exitCode();
    }

    static long size(String option, String text) {
        try {
            return io.pgrunbook.inventory.Units.size(text);
        } catch (RuntimeException e) {
            throw new PgrunbookException(Outcome.USAGE, option + " " + text + ": not a size (e.g. 16MB)");
        }
    }

    /** How the "next:" line starts; `lab status` adds its inventory. */
    NextCommand nextCommand() {
        return NextCommand.of(this);
    }

    /** Probes and prints; with --watch, again and again. Shared with `lab status`. */
    int show(Cluster cluster) throws Exception {
        if (watch != null && watch < 1) {
            throw new PgrunbookException(Outcome.USAGE, "--watch takes a whole number of seconds, 1 or more");
        }
        try (Connections connections = context().connections()) {
            ClusterProbe probe = new ClusterProbe(connections, context().env());
            while (true) {
                ClusterState state = probe.probe(cluster);
                io.pgrunbook.barman.BarmanHealth barman = BarmanStatus.probe(cluster, connections);
                NextCommand next = nextCommand();
                if (global().json()) {
                    Object view = BarmanStatus.json(StatusView.json(state, next), barman, cluster, state);
                    out().println(watch != null ? Json.compact(view) : Json.pretty(view));
                } else {
                    if (watch != null && context().interactive()) {
                        out().print("\033[H\033[2J");
                    }
                    out().print(StatusView.table(state, ansi()));
                    out().print(BarmanStatus.line(barman, cluster, state, ansi()));
                    String what = NextCommand.forState(state);
                    if (what != null) {
                        out().println(next.line(what));
                    }
                }
                out().flush();
                if (watch == null) {
                    return ExitCodes.of(state.verdict().outcome());
                }
                Thread.sleep(watch * 1000L);
            }
        }
    }
}
